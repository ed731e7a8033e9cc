"""The Reliability page's failures-by-code chart: a pure function of the
``errors_daily_by_code`` panel's rows (period, first_day, last_day, error_code, errors,
grain) returning an Altair spec. The panel picks the grain from the selection's span (days up
to 90 days, ISO weeks beyond), so the title and the bar width follow the rows' grain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from bedrock_logbook.dashboard import axes
from bedrock_logbook.dashboard.charts import (
    PICK,
    ChartSpec,
    chart_height,
    days_in,
    present_only,
    value_tooltip,
)

OTHER_CODES = "other"  # the panel's label for the codes past its top eight (grey)
# Days each bar spans, by the panel's grain.
GRAIN_DAYS = {"day": 1, "week": 7}


def grain_of(df: Any) -> str:
    """The rows' grain ('day' when there are none)."""
    if not len(df) or "grain" not in df.columns:
        return "day"
    return str(df["grain"].iloc[0])


def errors_title(grain: str) -> str:
    return ("Failed requests per UTC week (Monday to Sunday) by error code" if grain == "week"
            else "Failed requests per UTC day by error code")


def code_order(df: Any) -> list[str]:
    """Error codes by failures, largest first; 'other' last."""
    if not len(df):
        return []
    totals = df.groupby("error_code")["errors"].sum().sort_values(ascending=False, kind="stable")
    named = [str(c) for c in totals.index if c != OTHER_CODES]
    return named + ([OTHER_CODES] if OTHER_CODES in totals.index else [])


def errors_by_code(df: Any, *, order: Sequence[str] = ()) -> ChartSpec:
    """Stacked bars of failed requests per period and error code, each bar as wide as its
    period (a week's bar covers its seven days); clicking a bar selects the period's first and
    last day with requests (the page renames both to ``day``: a drill-down date range)."""
    grain = grain_of(df)
    frame = pd.DataFrame(df).copy()
    if len(frame):
        frame["period_end"] = pd.to_datetime(frame["period"]) + pd.Timedelta(
            days=GRAIN_DAYS.get(grain, 1))
    else:
        frame["period_end"] = frame.get("period", [])
    color = present_only(
        axes.category_color("error_code", "error code", list(order) or code_order(frame)),
        frame)
    first = "first day (UTC)" if grain == "week" else "day (UTC)"
    tooltip = [
        alt.Tooltip("first_day:T", title=first, format="%Y-%m-%d", timeUnit="utcyearmonthdate"),
        *([alt.Tooltip("last_day:T", title="last day (UTC)", format="%Y-%m-%d",
                       timeUnit="utcyearmonthdate")] if grain == "week" else []),
        alt.Tooltip("error_code:N", title="error"),
        value_tooltip("errors", "count", "failed requests"),
        value_tooltip("error_rate", "share", "share of the period's requests"),
    ]
    x = axes.day_x("period", days=days_in(frame, "period") * GRAIN_DAYS.get(grain, 1),
                   title="week (UTC, from Monday)" if grain == "week" else None)
    pick = alt.selection_point(name=PICK, fields=["first_day", "last_day"], on="click")
    chart = (
        alt.Chart(frame, title=errors_title(grain))
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            x2=alt.X2("utcyearmonthdate(period_end):T"),
            y=axes.count_y("errors", "failed requests"),
            color=color,
            order=alt.Order("error_code:N"),
            tooltip=tooltip,
        )
        .properties(height=chart_height(color))
        .add_params(pick)
        .encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)))
    )
    result: ChartSpec = chart
    return result

