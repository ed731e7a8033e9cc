"""Typed encodings every chart uses: days on a UTC day axis, counts as integers, shares in
percent, money in dollars, and one colour per model and per latency mode on every page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt

from bedrock_logbook.dashboard.names import ModelColours

MODES = ["standard", "optimized", "unknown"]
MODE_COLOURS = ["#4c78a8", "#f58518", "#54a24b"]  # no grey: grey reads as "missing"
COUNT_FORMAT = ",d"
MONEY_FORMAT = "$,.2f"
SHARE_FORMAT = ".1~%"  # 3.5%, 4% (".0%" printed 4%, 4% on small shares)
MS_FORMAT = ",.0f"
DAY_MS = 86_400_000


def day_step(days: int, ticks: int = 14) -> int:
    """Days between two ticks so that at most ``ticks`` day labels are drawn."""
    return max(1, math.ceil(days / ticks))


def day_x(field: str = "day", *, days: int = 1, title: str | None = None) -> alt.X:
    """A UTC day axis: one band per day, ticks on whole days only (never "03 AM")."""
    return alt.X(
        f"utcyearmonthdate({field}):T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %d", labelAngle=0,
                      tickCount={"interval": "day", "step": day_step(days)}),
    )


def hour_x(field: str = "hour", *, title: str | None = None) -> alt.X:
    return alt.X(f"utcyearmonthdatehours({field}):T", title=title, scale=alt.Scale(type="utc"),
                 axis=alt.Axis(format="%b %d %H:00", labelAngle=0))


def period_x(field: str, grain: str, *, days: int = 1) -> alt.X:
    return hour_x(field) if grain == "hour" else day_x(field, days=days)


def count_axis(title: str) -> dict[str, Any]:
    """Integer ticks and labels for counts (no ".424", no 0.05 steps)."""
    return {"title": title, "axis": alt.Axis(format=COUNT_FORMAT, tickMinStep=1)}


def count_y(field: str, title: str, *, aggregate: str | None = None,
            stack: bool | None = True) -> alt.Y:
    shorthand = f"{aggregate}({field}):Q" if aggregate else f"{field}:Q"
    return alt.Y(shorthand, stack=stack, **count_axis(title))


def count_x(field: str, title: str) -> alt.X:
    return alt.X(f"{field}:Q", **count_axis(title))


def money_y(field: str, title: str = "USD", *, aggregate: str | None = None) -> alt.Y:
    shorthand = f"{aggregate}({field}):Q" if aggregate else f"{field}:Q"
    return alt.Y(shorthand, title=title, axis=alt.Axis(format=MONEY_FORMAT))


def money_x(field: str, title: str = "USD") -> alt.X:
    return alt.X(f"{field}:Q", title=title, axis=alt.Axis(format=MONEY_FORMAT))


def share_y(field: str, title: str) -> alt.Y:
    return alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=SHARE_FORMAT))


def share_x(field: str, title: str) -> alt.X:
    return alt.X(f"{field}:Q", title=title, axis=alt.Axis(format=SHARE_FORMAT),
                 scale=alt.Scale(domain=[0, 1]))


def ms_y(field: str, title: str = "ms") -> alt.Y:
    return alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=MS_FORMAT))


def mode_color(field: str = "served_mode", title: str = "served mode") -> alt.Color:
    return alt.Color(f"{field}:N", title=title,
                     scale=alt.Scale(domain=MODES, range=MODE_COLOURS))


def model_color(colours: ModelColours, field: str = "model_name", *,
                extra: Sequence[str] = (), title: str = "model") -> alt.Color:
    """The model colour: a fixed domain (every model of the lake) -> fixed colours."""
    return alt.Color(
        f"{field}:N", title=title,
        scale=alt.Scale(domain=colours.domain(extra), range=colours.range(extra)),
        # under the chart in columns: sixteen models never run off the chart's height
        legend=alt.Legend(labelLimit=300, orient="bottom", columns=3),
    )


def model_tooltip() -> list[alt.Tooltip]:
    """The readable name and the full model ID (what the legend shortens)."""
    return [alt.Tooltip("model_name:N", title="model"),
            alt.Tooltip("model:N", title="model ID")]


def series_color(domain: Sequence[str], colours: Sequence[str], title: str | None = None,
                 field: str = "series") -> alt.Color:
    """A fixed colour per named series (e.g. requests vs errors)."""
    return alt.Color(f"{field}:N", title=title,
                     scale=alt.Scale(domain=list(domain), range=list(colours)))


def category_color(field: str, title: str, domain: Sequence[str] = ()) -> alt.Color:
    """Colours for a category that is not a model (caller, tag, error code); 'other' grey."""
    values = list(domain)
    if not values:
        return alt.Color(f"{field}:N", title=title, scale=alt.Scale(scheme="tableau10"),
                         legend=alt.Legend(labelLimit=300))
    palette = [c for c in _TABLEAU10 if c != "#bab0ac"]
    colours = [("#9d9d9d" if v == "other" else palette[i % len(palette)])
               for i, v in enumerate(values)]
    return alt.Color(f"{field}:N", title=title, scale=alt.Scale(domain=values, range=colours),
                     legend=alt.Legend(labelLimit=300))


_TABLEAU10 = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
              "#ff9da7", "#9c755f", "#bab0ac"]
