"""Altair charts for the dashboard: pure functions from an aggregated DataFrame to a chart.

The frames come from ``queries.panels`` already aggregated (or sampled) in DuckDB, so every
chart embeds at most a few thousand rows. No Streamlit here, so each chart is testable as a
Vega-Lite spec.
"""

from __future__ import annotations

from typing import Any

import altair as alt

# One colour per latency mode on every page.
MODE_SCALE = alt.Scale(
    domain=["standard", "optimized", "unknown"], range=["#4c78a8", "#f58518", "#bab0ac"]
)
MODE_LEGEND = alt.Legend(title="served mode")

# Everything a chart function may return (what st.altair_chart accepts).
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart


def _mode_color(field: str = "served_mode") -> alt.Color:
    return alt.Color(f"{field}:N", scale=MODE_SCALE, legend=MODE_LEGEND)


def time_series(
    df: Any, *, x: str, y: str, title: str, y_title: str, color: str | None = None,
    y_format: str = ",.0f",
) -> ChartSpec:
    """A daily line; with ``color``, one line per value of that column."""
    encodings: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        "tooltip": [alt.Tooltip(f"{x}:T"), alt.Tooltip(f"{y}:Q", format=y_format)],
    }
    if color is not None:
        encodings["color"] = alt.Color(f"{color}:N", title=color.replace("_", " "))
        encodings["tooltip"].append(alt.Tooltip(f"{color}:N"))
    chart: ChartSpec = alt.Chart(df, title=title).mark_line(point=True).encode(**encodings)
    return chart


def stacked_daily_bars(df: Any, *, x: str, y: str, color: str, title: str,
                       y_title: str) -> ChartSpec:
    """Bars per day stacked by ``color`` (e.g. fallbacks by reason)."""
    chart: ChartSpec = (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:T", title=None),
            y=alt.Y(f"sum({y}):Q", title=y_title),
            color=alt.Color(f"{color}:N", title=color.replace("_", " ")),
            tooltip=[alt.Tooltip(f"{x}:T"), alt.Tooltip(f"{color}:N"),
                     alt.Tooltip(f"sum({y}):Q", title=y_title, format=",")],
        )
    )
    return chart


def ranked_bars(df: Any, *, category: str, value: str, title: str, value_title: str,
                value_format: str = ",.2f", color: str | None = None) -> ChartSpec:
    """Horizontal bars, largest first; with ``color``, one bar per colour side by side."""
    encodings: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        "x": alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        "tooltip": [alt.Tooltip(f"{category}:N"),
                    alt.Tooltip(f"{value}:Q", format=value_format)],
    }
    if color is not None:
        encodings["yOffset"] = alt.YOffset(f"{color}:N")
        encodings["color"] = (_mode_color() if color == "served_mode"
                              else alt.Color(f"{color}:N", title=color.replace("_", " ")))
        encodings["tooltip"].append(alt.Tooltip(f"{color}:N"))
    chart: ChartSpec = alt.Chart(df, title=title).mark_bar().encode(**encodings)
    return chart


def latency_percentiles(df: Any) -> ChartSpec:
    """One small chart per model: p50 bars and p99 ticks per inference region and mode."""
    tooltip = [
        alt.Tooltip("model:N"), alt.Tooltip("inference_region:N"), alt.Tooltip("served_mode:N"),
        alt.Tooltip("requests_with_latency:Q", format=","),
        alt.Tooltip("p50_latency_ms:Q", format=",.0f"),
        alt.Tooltip("p90_latency_ms:Q", format=",.0f"),
        alt.Tooltip("p99_latency_ms:Q", format=",.0f"),
    ]
    x = alt.X("inference_region:N", title=None)
    bars = alt.Chart().mark_bar().encode(
        x=x, xOffset=alt.XOffset("served_mode:N"),
        y=alt.Y("p50_latency_ms:Q", title="ms (bar p50, tick p99)"),
        color=_mode_color(), tooltip=tooltip,
    )
    ticks = alt.Chart().mark_tick(color="black", thickness=2).encode(
        x=x, xOffset=alt.XOffset("served_mode:N"), y="p99_latency_ms:Q", tooltip=tooltip,
    )
    chart: ChartSpec = (
        alt.layer(bars, ticks, data=df)
        .properties(width=260, height=220)
        .facet(facet=alt.Facet("model:N", title=None, header=alt.Header(labelLimit=300)),
               columns=3)
        .properties(title="Latency by model, inference region and mode")
    )
    return chart


def latency_histogram(df: Any) -> ChartSpec:
    """Pre-binned latency counts (``bin_start_ms``..``bin_end_ms``) overlaid per mode."""
    chart: ChartSpec = (
        alt.Chart(df, title="Latency distribution per served mode")
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X("bin_start_ms:Q", title="latency (ms); last bin holds the slowest 1%"),
            x2="bin_end_ms:Q",
            y=alt.Y("requests:Q", title="requests", stack=None),
            y2=alt.datum(0),  # overlaid (unstacked) bars need an explicit base
            color=_mode_color(),
            tooltip=[alt.Tooltip("served_mode:N"), alt.Tooltip("bin_start_ms:Q"),
                     alt.Tooltip("bin_end_ms:Q"), alt.Tooltip("requests:Q", format=",")],
        )
    )
    return chart


def decode_scatter(points: Any, fit_line: Any) -> ChartSpec:
    """Latency against output tokens: sampled requests plus the fitted line per mode."""
    scatter = (
        alt.Chart(points)
        .mark_circle(size=18, opacity=0.35)
        .encode(
            x=alt.X("output_tokens:Q", title="output tokens"),
            y=alt.Y("latency_ms:Q", title="latency (ms)"),
            color=_mode_color(),
            tooltip=["model:N", "served_mode:N", "output_tokens:Q", "latency_ms:Q"],
        )
    )
    line = (
        alt.Chart(fit_line)
        .mark_line(strokeWidth=3)
        .encode(
            x="output_tokens:Q",
            y="fitted_latency_ms:Q",
            color=_mode_color(),
            tooltip=["served_mode:N", alt.Tooltip("fitted_latency_ms:Q", format=",.0f")],
        )
    )
    chart: ChartSpec = alt.layer(
        scatter, line, title="Latency vs output tokens (sample) with fitted decode line"
    )
    return chart


def heatmap(df: Any, *, x: str, y: str, value: str, title: str, value_title: str,
            value_format: str = ",") -> ChartSpec:
    """A matrix of ``value`` by ``x`` and ``y`` with the numbers written in the cells."""
    base = alt.Chart(df, title=title).encode(
        x=alt.X(f"{x}:N", title=x.replace("_", " ")),
        y=alt.Y(f"{y}:N", title=y.replace("_", " ")),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:N"),
                 alt.Tooltip(f"{value}:Q", format=value_format)],
    )
    labels = base.mark_text(baseline="middle", fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=value_format),
        color=alt.value("black"),
    )
    chart: ChartSpec = alt.layer(cells, labels)
    return chart


def runs_timeline(df: Any) -> ChartSpec:
    """Rows written by each ingest run, at the time it finished."""
    chart: ChartSpec = (
        alt.Chart(df, title="Ingest runs: rows written")
        .mark_bar(size=8)
        .encode(
            x=alt.X("finished_at:T", title="run finished"),
            y=alt.Y("rows_written:Q", title="rows written"),
            color=alt.Color("source:N", title="source"),
            tooltip=["run_id:N", "finished_at:T", "source:N",
                     alt.Tooltip("rows_written:Q", format=","),
                     alt.Tooltip("quarantined:Q", format=","),
                     alt.Tooltip("duplicates:Q", format=",")],
        )
    )
    return chart


def share_bars(df: Any, *, category: str, share: str, title: str, share_title: str) -> ChartSpec:
    """Horizontal bars of a 0..1 share, axis in percent."""
    chart: ChartSpec = (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
            x=alt.X(f"{share}:Q", title=share_title, axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{share}:Q", format=".1%"),
                     alt.Tooltip("requests:Q", format=",")],
        )
    )
    return chart
