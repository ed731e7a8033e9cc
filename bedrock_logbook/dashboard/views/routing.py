"""Routing: where requests were made against where they were served."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Cross-region routing")
if ctx.require_invocations():
    query, frame = ctx.load("routing_matrix")
    ui.chart_panel(
        "Source region → inference region", query, frame,
        lambda df: charts.heatmap(df, x="inference_region", y="source_region", value="requests",
                                  title="Requests by source and inference region",
                                  value_title="requests"),
        key="routing_requests",
    )
    ui.chart_panel(
        "Latency per region pair", query, frame,
        lambda df: charts.heatmap(df, x="inference_region", y="source_region",
                                  value="p50_latency_ms", title="p50 latency (ms) by region pair",
                                  value_title="p50 ms", value_format=",.0f"),
        key="routing_latency",
    )
    query, frame = ctx.load("profile_vs_direct")
    ui.chart_panel(
        "Inference profiles vs direct calls", query, frame,
        lambda df: charts.ranked_bars(df, category="profile_scope", value="p50_latency_ms",
                                      title="p50 latency by profile scope and model",
                                      value_title="p50 latency (ms)", value_format=",.0f",
                                      color="model"),
    )
    ui.table_panel("Profile scope detail", query, frame, key="profile_vs_direct_table")
