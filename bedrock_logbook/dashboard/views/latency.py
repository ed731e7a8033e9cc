"""Latency: percentiles over time per model and served mode, time to first byte, the
distribution per mode, and the decode-speed fit per model (never pooled across models)."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import components as ui
from bedrock_logbook.dashboard import context, latency_charts

ctx = context.current()
st.title("Latency")
if ctx.require_invocations():
    st.caption("Server-side latency from the logs (Converse `latencyMs`, stream "
               "`invocationLatency`); InvokeModel calls log none and are left out. A percentile "
               "needs 20 requests in its group (p99: 100); smaller groups show none.")
    grain_label = st.radio("Time grain (UTC)", ["day", "hour"], horizontal=True,
                           key="latency_grain")
    grain = "hour" if grain_label == "hour" else "day"
    query, frame = ctx.load("latency_over_time", grain=grain)
    frame = ctx.named(frame)
    ui.chart_panel(
        "How fast does each model answer, and is it getting slower?", query,
        frame[frame["requests_with_latency"] > 0] if not frame.empty else frame,
        lambda df: latency_charts.percentiles_over_time(
            df, prefix="latency", grain=grain,
            title=f"Latency p50 / p90 / p99 per {grain}, per model and served mode"),
        key="latency_over_time_total",
    )
    first_byte = frame[frame["requests_with_first_byte"] > 0] if not frame.empty else frame
    ui.chart_panel(
        "How long until the first token arrives?", query, first_byte,
        lambda df: latency_charts.percentiles_over_time(
            df, prefix="first_byte", grain=grain,
            title=f"Time to first byte p50 / p90 / p99 per {grain}, per model and served mode"),
        caption="First byte (`firstByteLatency`) is logged for streaming calls only.",
        key="latency_over_time_first_byte",
    )

    query, frame = ctx.load("latency_histogram")
    ui.chart_panel("How are latencies spread in each served mode?", query, frame,
                   latency_charts.distribution,
                   caption="At most 40 bins of equal width on a log scale, up to the 99th "
                           "percentile (from the rollup's latency sketches: exact counts per "
                           "bin); each mode's line sums to 100%, so modes with fewer requests "
                           "compare fairly.")

    sample_query, sample = ctx.load("latency_vs_tokens_sample")
    fit_query, fit = ctx.load("decode_fit_by_model")
    fit = ctx.named(fit)
    ui.chart_panel(
        "How fast does each model decode, per served mode?", fit_query, fit,
        lambda df: latency_charts.decode_small_multiples(ctx.named(sample), df),
        caption="Dots: a random sample of 2,000 requests from the selection's newest days "
                "(the fewest that hold 2,000). Lines: least-squares fit of latency "
                "on output tokens over all the model's successful requests in that mode; "
                "tokens/s = 1000 / slope, + the intercept (≈ time to first token and prompt "
                "processing), r² and the number of requests fitted.",
        also=[(sample_query, sample)], key="decode_fit_by_model_chart",
    )
    ui.table_panel("Decode-speed fit per model and mode", fit_query, fit, colours=ctx.colours,
                   hide=("model_name",), key="decode_fit_by_model_table")
