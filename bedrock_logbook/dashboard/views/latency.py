"""Latency: percentiles, distribution, the decode-speed fit and tokens/s per mode."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Latency")
if ctx.require_invocations():
    st.caption("Server-side latency from the logs (Converse `latencyMs`, stream "
               "`invocationLatency`); InvokeModel calls log none and are left out.")
    query, frame = ctx.load("latency_percentiles")
    ui.chart_panel("Percentiles by model, inference region and mode", query, frame,
                   charts.latency_percentiles,
                   caption="Percentiles need 20 requests with a latency in the group (p99: "
                           "100); smaller groups show none.")

    query, frame = ctx.load("latency_histogram")
    ui.chart_panel("Distribution per served mode", query, frame, charts.latency_histogram,
                   caption="Binned in DuckDB: 40 bins up to the 99th percentile.")

    sample_query, sample = ctx.load("latency_vs_tokens_sample")
    line_query, line = ctx.load("decode_fit_line")
    ui.chart_panel(
        "Latency against output tokens", sample_query, sample,
        lambda df: charts.decode_scatter(df, line),
        caption="Dots: a random sample of 2,000 requests. Lines: least-squares fit over all "
                "selected requests; the slope is the time per output token.",
        also=[(line_query, line)],
    )
    fit_query, fit = ctx.load("decode_fit")
    ui.table_panel(
        "Decode-speed fit per mode", fit_query, fit,
        caption="decode tokens/s = 1000 / slope (successful calls); the intercept "
                "approximates time to first token plus prompt processing.",
    )

    query, frame = ctx.load("tokens_per_s")
    ui.chart_panel(
        "Output tokens per second", query, frame,
        lambda df: charts.ranked_bars(df, category="model", value="throughput_tokens_per_s",
                                      title="Throughput: output tokens per second of latency "
                                            "(whole requests)",
                                      value_title="tokens/s", value_format=",.0f",
                                      color="served_mode"),
    )
