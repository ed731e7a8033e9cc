"""Altair charts for the dashboard: pure functions from an aggregated DataFrame to a chart.

The frames come from ``queries.panels`` already aggregated (or sampled) in DuckDB, so every
chart embeds at most a few thousand rows. No Streamlit here, so each chart is testable as a
Vega-Lite spec. Axes come from ``axes`` (days as days, counts as integers, shares in %, money
in $); model colours from ``names.ModelColours`` (the same colour for a model on every page).
Latency charts live in ``latency_charts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import altair as alt

from bedrock_logbook.dashboard import axes

# Everything a chart function may return (what st.altair_chart accepts).
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart | alt.VConcatChart | alt.HConcatChart
Kind = Literal["money", "count", "share", "ms"]
# The point selection a chart offers for drill-down (st.altair_chart on_select).
PICK = "pick"
PLOT_HEIGHT = 280
ROW_PX = 36  # heatmap rows tall enough to read the number written in them

_FORMATS: dict[str, str] = {"money": axes.MONEY_FORMAT, "count": axes.COUNT_FORMAT,
                            "share": ".1%", "ms": axes.MS_FORMAT}


def _y(field: str, kind: Kind, title: str, *, aggregate: str | None = None,
       stack: bool | None = True) -> alt.Y:
    if kind == "money":
        return axes.money_y(field, title, aggregate=aggregate)
    if kind == "count":
        return axes.count_y(field, title, aggregate=aggregate, stack=stack)
    if kind == "share":
        return axes.share_y(field, title)
    return axes.ms_y(field, title)


def _x(field: str, kind: Kind, title: str) -> alt.X:
    if kind == "money":
        return axes.money_x(field, title)
    if kind == "count":
        return axes.count_x(field, title)
    if kind == "share":
        return axes.share_x(field, title)
    return alt.X(f"{field}:Q", title=title, axis=alt.Axis(format=axes.MS_FORMAT))


def value_tooltip(field: str, kind: Kind, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:Q", title=title, format=_FORMATS[kind])


def day_tooltip(field: str = "day") -> alt.Tooltip:
    return alt.Tooltip(f"{field}:T", title="day (UTC)", format="%Y-%m-%d",
                       timeUnit="utcyearmonthdate")


def present_only(color: alt.Color, df: Any) -> alt.Color:
    """``color`` with its legend listing only the values in ``df``: the scale keeps the
    lake-wide domain (stable colours), the legend stays short."""
    spec: dict[str, Any] = color.to_dict()  # type: ignore[assignment]
    name, domain = spec.get("field"), spec.get("scale", {}).get("domain")
    if name not in df.columns or not isinstance(domain, list):
        return color
    present = set(df[name].dropna())
    legend = {**spec.get("legend", {}), "values": [v for v in domain if v in present]}
    result: alt.Color = alt.Color.from_dict({**spec, "legend": legend})
    return result


def chart_height(color: alt.Color | None) -> int:
    """The chart's height for PLOT_HEIGHT of plot: Streamlit fits the whole chart, legend
    included, in the height given, so a legend under the plot adds its rows."""
    if color is None:
        return PLOT_HEIGHT
    spec: dict[str, Any] = color.to_dict()  # type: ignore[assignment]
    legend = spec.get("legend") or {}
    if not isinstance(legend, dict) or legend.get("orient") != "bottom":
        return PLOT_HEIGHT
    values = legend.get("values") or []
    rows = -(-len(values) // int(legend.get("columns", 1))) if values else 6
    return PLOT_HEIGHT + 40 + 18 * rows


def days_in(df: Any, field: str = "day") -> int:
    return int(df[field].nunique()) if len(df) else 1


def daily_stacked(
    df: Any, *, y: str, kind: Kind, y_title: str, color: alt.Color, title: str,
    tooltip: Sequence[alt.Tooltip] = (), pick_fields: Sequence[str] = (), x: str = "day",
) -> ChartSpec:
    """Bars per UTC day stacked by ``color``; with ``pick_fields``, clicking a bar selects
    those fields' values (the page turns them into a drill-down filter)."""
    color = present_only(color, df)
    chart = (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=axes.day_x(x, days=days_in(df, x)),
            y=_y(y, kind, y_title),
            color=color,
            tooltip=[day_tooltip(x), *tooltip, value_tooltip(y, kind, y_title)],
        )
        .properties(height=chart_height(color))
    )
    if pick_fields:
        pick = alt.selection_point(name=PICK, fields=list(pick_fields), on="click")
        chart = chart.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)))
    result: ChartSpec = chart
    return result


def daily_lines(
    df: Any, *, y: str, kind: Kind, y_title: str, title: str, color: alt.Color | None = None,
    tooltip: Sequence[alt.Tooltip] = (), x: str = "day", pick_fields: Sequence[str] = (),
) -> ChartSpec:
    """A line per ``color`` value (or one line) over UTC days, with a point on every day."""
    encodings: dict[str, Any] = {
        "x": axes.day_x(x, days=days_in(df, x)),
        "y": _y(y, kind, y_title, stack=None),
        "tooltip": [day_tooltip(x), *tooltip, value_tooltip(y, kind, y_title)],
    }
    if color is not None:
        color = encodings["color"] = present_only(color, df)
    chart = alt.Chart(df, title=title).mark_line(point=True).encode(**encodings).properties(
        height=chart_height(color))
    if pick_fields:
        chart = chart.add_params(alt.selection_point(name=PICK, fields=list(pick_fields),
                                                     on="click"))
    result: ChartSpec = chart
    return result


def day_heatmap(df: Any, *, y: str, value: str, kind: Kind, title: str, value_title: str,
                y_title: str | None = None, tooltip: Sequence[alt.Tooltip] = (),
                pick_fields: Sequence[str] = (), x: str = "day") -> ChartSpec:
    """A row per ``y`` (e.g. model) and a cell per UTC day coloured by ``value``: many
    series over time without a tangle of lines. With ``pick_fields``, a click selects."""
    chart = alt.Chart(df, title=title).mark_rect().encode(
        x=axes.day_x(x, days=days_in(df, x)),
        y=alt.Y(f"{y}:N", title=y_title, axis=alt.Axis(labelLimit=360)),
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="orangered"),
                        legend=alt.Legend(format=_FORMATS[kind])),
        tooltip=[day_tooltip(x), *tooltip, value_tooltip(value, kind, value_title)],
    ).properties(height=alt.Step(24))
    if pick_fields:
        chart = chart.add_params(alt.selection_point(name=PICK, fields=list(pick_fields),
                                                     on="click"))
    result: ChartSpec = chart
    return result


def ranked_bars(df: Any, *, category: str, value: str, kind: Kind, title: str,
                value_title: str, color: alt.Color | None = None,
                tooltip: Sequence[alt.Tooltip] = ()) -> ChartSpec:
    """Horizontal bars, largest first (one row per category: no grouped bars)."""
    encodings: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
        "x": _x(value, kind, value_title),
        "tooltip": [alt.Tooltip(f"{category}:N"), *tooltip,
                    value_tooltip(value, kind, value_title)],
    }
    if color is not None:
        encodings["color"] = color
    chart: ChartSpec = alt.Chart(df, title=title).mark_bar().encode(**encodings)
    return chart


def dumbbell(
    df: Any, *, category: str, value: str, side: str, sides: Sequence[str],
    side_colours: Sequence[str], kind: Kind, title: str, value_title: str,
    side_title: str, tooltip: Sequence[alt.Tooltip] = (), row: str | None = None,
) -> ChartSpec:
    """One row per ``category``, a dot per ``side`` joined by a rule: the two (or more) sides
    of a comparison read on the same line (e.g. a model's profile calls vs its direct calls).
    With ``row``, one panel per value of that column (e.g. served mode)."""
    y = alt.Y(f"{category}:N", title=None, sort="ascending", axis=alt.Axis(labelLimit=360))
    rule = alt.Chart().mark_rule(color="#888", strokeWidth=2).encode(
        y=y, x=alt.X(f"min({value}):Q"), x2=alt.X2(f"max({value}):Q"))
    dots = alt.Chart().mark_circle(size=140, opacity=1).encode(
        y=y, x=_x(value, kind, value_title),
        color=alt.Color(f"{side}:N", title=side_title,
                        scale=alt.Scale(domain=list(sides), range=list(side_colours)),
                        legend=alt.Legend(orient="top",
                                          values=[s for s in sides if s in set(df[side])])),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{side}:N", title=side_title),
                 value_tooltip(value, kind, value_title), *tooltip],
    )
    layered = alt.layer(rule, dots, data=df).properties(height=alt.Step(28), width=760)
    if row is None:
        chart: ChartSpec = layered.properties(title=title)
        return chart
    faceted: ChartSpec = layered.facet(
        row=alt.Row(f"{row}:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left",
                                                              labelFontWeight="bold")),
    ).resolve_scale(y="independent").properties(title=title)
    return faceted


def heatmap(df: Any, *, x: str, y: str, value: str, title: str, value_title: str,
            x_title: str, y_title: str, kind: Kind = "count",
            facet: str | None = None, page_px: int = 1050) -> ChartSpec:
    """A matrix of ``value`` by ``x`` and ``y`` with the numbers written in the cells; rows and
    columns are tall enough to read. With ``facet``, one matrix per value (e.g. per model)."""
    base = alt.Chart().encode(
        x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y(f"{y}:N", title=y_title, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format=_FORMATS[kind])),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:N", title=x_title),
                 value_tooltip(value, kind, value_title)],
    )
    labels = base.mark_text(baseline="middle", fontSize=12).encode(
        text=alt.Text(f"{value}:Q", format=_FORMATS[kind]),
        color=alt.value("black"),
    )
    if facet is None:
        chart: ChartSpec = alt.layer(cells, labels, data=df).properties(
            width=alt.Step(90), height=alt.Step(ROW_PX), title=title)
        return chart
    # Wrapped facets cannot size by step (Vega-Lite: 'Unrecognized signal name
    # "child_height"'), so each panel gets the pixels its shared rows and columns need.
    # Each panel its own rows and columns (a model's pairs only), sized for the panel with
    # the most of them.
    per_panel = df.groupby(facet)[[x, y]].nunique()
    width = min(80 * max(1, int(per_panel[x].max())), 320)
    columns = max(1, page_px // (width + 170))  # + the row labels and gaps
    faceted: ChartSpec = alt.layer(cells, labels, data=df).properties(
        width=width, height=ROW_PX * max(1, int(per_panel[y].max())),
    ).facet(
        facet=alt.Facet(f"{facet}:N", title=None, header=alt.Header(labelLimit=400,
                                                                    labelFontWeight="bold")),
        columns=columns,
    ).resolve_scale(x="independent", y="independent").properties(title=title)
    return faceted


def share_bars(df: Any, *, category: str, share: str, title: str, share_title: str) -> ChartSpec:
    """Horizontal bars of a 0..1 share, axis in percent."""
    chart: ChartSpec = (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
            x=axes.share_x(share, share_title),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{share}:Q", format=".1%"),
                     alt.Tooltip("requests:Q", format=axes.COUNT_FORMAT)],
        )
    )
    return chart


def runs_timeline(df: Any) -> ChartSpec:
    """Rows written by each ingest run, at the time it finished."""
    chart: ChartSpec = (
        alt.Chart(df, title="Rows written by each ingest run")
        .mark_bar(size=10)
        .encode(
            x=alt.X("finished_at:T", title="run finished (UTC)", scale=alt.Scale(type="utc"),
                    axis=alt.Axis(format="%b %d %H:%M", labelAngle=0)),
            y=axes.count_y("rows_written", "rows written"),
            color=alt.Color("source:N", title="source"),
            tooltip=[alt.Tooltip("run_id:N", title="run"),
                     alt.Tooltip("finished_at:T", title="finished (UTC)",
                                 format="%Y-%m-%d %H:%M"),
                     alt.Tooltip("source:N"),
                     alt.Tooltip("rows_written:Q", title="rows written",
                                 format=axes.COUNT_FORMAT),
                     alt.Tooltip("quarantined:Q", format=axes.COUNT_FORMAT),
                     alt.Tooltip("duplicates:Q", format=axes.COUNT_FORMAT)],
        )
    )
    return chart


def hourly_gaps(df: Any) -> ChartSpec:
    """Requests per UTC hour as a day x hour-of-day grid; hours with none are marked red."""
    base = alt.Chart(df).encode(
        x=alt.X("hour_of_day:O", title="hour of day (UTC)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day_label:O", title=None,
                sort=alt.EncodingSortField(field="day", op="min", order="descending")),
        tooltip=[alt.Tooltip("hour:T", title="hour (UTC)", format="%Y-%m-%d %H:00"),
                 alt.Tooltip("requests:Q", format=axes.COUNT_FORMAT)],
    )
    cells = base.mark_rect().encode(
        color=alt.condition(
            "datum.requests == 0", alt.value("#d62728"),
            alt.Color("requests:Q", title="requests", scale=alt.Scale(scheme="greens"),
                      legend=alt.Legend(format=axes.COUNT_FORMAT))),
    )
    chart: ChartSpec = cells.properties(
        title="Requests per hour (red: an hour with none)", height=alt.Step(22),
        width=alt.Step(34))
    return chart


def text_tooltip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:N", title=title)
