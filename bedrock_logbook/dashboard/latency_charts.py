"""Latency charts: one small panel per model, never a fit or a percentile pooled across
models (a pooled latency-vs-tokens fit gave a -295 ms intercept)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from bedrock_logbook.dashboard import axes
from bedrock_logbook.dashboard.charts import ChartSpec, days_in

PERCENTILES = ["p50", "p90", "p99"]
_DASHES = [[1, 0], [6, 3], [2, 2]]


WIDTH = 440  # two panels side by side fill the page's main column at 1600 px


def _model_facet(columns: int = 2) -> dict[str, Any]:
    return {"facet": alt.Facet("model_name:N", title=None,
                               header=alt.Header(labelLimit=500, labelFontWeight="bold",
                                                 labelFontSize=13)),
            "columns": columns}


def percentiles_over_time(df: Any, *, prefix: str, title: str, grain: str = "day",
                          columns: int = 2) -> ChartSpec:
    """p50/p90/p99 over time, one panel per model, a colour per served mode and a dash per
    percentile. ``prefix``: ``latency`` or ``first_byte`` (columns ``p50_<prefix>_ms``...)."""
    fields: list[Any] = [f"{p}_{prefix}_ms" for p in PERCENTILES]
    x = axes.period_x("period", grain, days=days_in(df, "period"))
    chart: ChartSpec = (
        alt.Chart(df)
        .transform_fold(fields, as_=["percentile_field", "ms"])
        .transform_calculate(percentile="split(datum.percentile_field, '_')[0]")
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=x,
            y=alt.Y("ms:Q", title="ms", axis=alt.Axis(format=axes.MS_FORMAT)),
            color=axes.mode_color(),
            strokeDash=alt.StrokeDash("percentile:N", title="percentile",
                                      scale=alt.Scale(domain=PERCENTILES, range=_DASHES)),
            tooltip=[alt.Tooltip("model_name:N", title="model"),
                     alt.Tooltip("model:N", title="model ID"),
                     alt.Tooltip("period:T", title="UTC", format="%Y-%m-%d %H:00"),
                     alt.Tooltip("served_mode:N", title="served mode"),
                     alt.Tooltip("percentile:N"),
                     alt.Tooltip("ms:Q", format=axes.MS_FORMAT),
                     alt.Tooltip(f"requests_with_{prefix}:Q", title="requests",
                                 format=axes.COUNT_FORMAT)],
        )
        .properties(width=WIDTH, height=190)
        .facet(**_model_facet(columns))
        .resolve_scale(y="independent")
        .properties(title=title)
        .configure_legend(orient="top")
    )
    return chart


def fit_lines(fit: Any, points: Any = None) -> pd.DataFrame:
    """Two points per model x served mode on its fitted line: 0 and the largest output, that
    is the larger of the fit's ``largest_output_tokens`` (a lower bound from the rollup) and
    the largest output among ``points`` (the scatter's sample) of that model and mode."""
    sampled: dict[tuple[Any, Any], float] = {}
    if points is not None and len(points):
        sampled = points.groupby(["model", "served_mode"])["output_tokens"].max().to_dict()
    rows = []
    for r in fit.itertuples(index=False):
        if pd.isna(r.ms_per_output_token) or pd.isna(r.intercept_ms):
            continue
        end = max(float(r.largest_output_tokens),
                  float(sampled.get((r.model, r.served_mode), 0)))
        for x in (0, end):
            rows.append({"model": r.model, "model_name": r.model_name,
                         "served_mode": r.served_mode, "output_tokens": x,
                         "fitted_latency_ms": r.intercept_ms + r.ms_per_output_token * x})
    return pd.DataFrame(rows, columns=["model", "model_name", "served_mode", "output_tokens",
                                       "fitted_latency_ms"])


def fit_labels(fit: Any) -> pd.DataFrame:
    """One line of text per model x mode: decode speed, first-token estimate, r², n; placed
    top-left of the model's panel (``label_y`` in pixels)."""
    order = {m: i for i, m in enumerate(axes.MODES)}
    rows = []
    for r in fit.itertuples(index=False):
        speed = ("no fit" if pd.isna(r.decode_tokens_per_s)
                 else f"{r.decode_tokens_per_s:,.0f} tok/s, +{r.intercept_ms:,.0f} ms")
        r2 = "" if pd.isna(r.r2) else f", r² {r.r2:.2f}"
        rows.append({"model_name": r.model_name, "served_mode": r.served_mode,
                     "label": f"{r.served_mode}: {speed}{r2}, n={int(r.n):,}",
                     "label_y": 10 + 15 * order.get(r.served_mode, 2)})
    return pd.DataFrame(rows, columns=["model_name", "served_mode", "label", "label_y"])


def decode_small_multiples(points: Any, fit: Any, *, columns: int = 2) -> ChartSpec:
    """Latency against output tokens, one panel per model: a sample of requests, the
    least-squares line per served mode fitted to that model's requests only, and the fit's
    speed (1000 / slope), intercept, r² and n written in the panel."""
    # A facet needs one dataset: the three layers' rows in one frame, told apart by "part".
    data = pd.concat([
        points[["model", "model_name", "served_mode", "output_tokens", "latency_ms"]]
        .assign(part="point"),
        fit_lines(fit, points).assign(part="line"),
        fit_labels(fit).assign(part="label"),
    ], ignore_index=True)
    scatter = alt.Chart().transform_filter("datum.part == 'point'").mark_circle(
        size=14, opacity=0.3).encode(
        x=alt.X("output_tokens:Q", title="output tokens", axis=alt.Axis(format=",d")),
        y=alt.Y("latency_ms:Q", title="latency (ms)", axis=alt.Axis(format=axes.MS_FORMAT)),
        color=axes.mode_color(),
        tooltip=[alt.Tooltip("model:N", title="model ID"),
                 alt.Tooltip("served_mode:N", title="served mode"),
                 alt.Tooltip("output_tokens:Q", title="output tokens", format=",d"),
                 alt.Tooltip("latency_ms:Q", title="latency (ms)", format=axes.MS_FORMAT)],
    )
    line = alt.Chart().transform_filter("datum.part == 'line'").mark_line(
        strokeWidth=3).encode(x="output_tokens:Q", y="fitted_latency_ms:Q",
                              color=axes.mode_color())
    text = alt.Chart().transform_filter("datum.part == 'label'").mark_text(
        align="left", baseline="top", fontSize=11).encode(
        x=alt.value(6), y=alt.Y("label_y:Q", scale=None), text="label:N",
        color=axes.mode_color(),
    )
    chart: ChartSpec = (
        alt.layer(scatter, line, text, data=data)
        .properties(width=WIDTH, height=230)
        .facet(**_model_facet(columns))
        .resolve_scale(x="independent", y="independent")
        .properties(title="Latency against output tokens per model, with each mode's fit")
        .configure_legend(orient="top")
    )
    return chart


def distribution(df: Any) -> ChartSpec:
    """Latency distribution per served mode, each normalised to its own requests (a share per
    bin), drawn as step lines in the modes' colours so overlaps stay readable."""
    chart: ChartSpec = (
        alt.Chart(df, title="Latency distribution per served mode (share of that mode's "
                            "requests per bin)")
        .transform_joinaggregate(mode_requests="sum(requests)", groupby=["served_mode"])
        .transform_calculate(share="datum.requests / datum.mode_requests")
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(
            # Bins of equal width on a log axis (sketch buckets: queries/panels).
            x=alt.X("bin_start_ms:Q",
                    title="latency (ms, log scale); the last bin holds the slowest 1%",
                    scale=alt.Scale(type="log"), axis=alt.Axis(format=axes.MS_FORMAT)),
            y=alt.Y("share:Q", title="share of the mode's requests",
                    axis=alt.Axis(format=axes.SHARE_FORMAT)),
            color=axes.mode_color(),
            tooltip=[alt.Tooltip("served_mode:N", title="served mode"),
                     alt.Tooltip("bin_start_ms:Q", title="from ms", format=axes.MS_FORMAT),
                     alt.Tooltip("bin_end_ms:Q", title="to ms", format=axes.MS_FORMAT),
                     alt.Tooltip("requests:Q", format=axes.COUNT_FORMAT),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=260)
    )
    return chart
