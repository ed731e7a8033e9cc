"""Routing: per model, inference profiles against direct calls in the same served mode, and
where each model's traffic was served (region pairs, never mixing models)."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

SCOPES = ["direct", "us", "eu", "apac", "jp", "au", "ca", "global", "application"]
SCOPE_COLOURS = ["#222222", "#4e79a7", "#59a14f", "#b07aa1", "#e15759", "#9c755f",
                 "#76b7b2", "#f28e2b", "#edc948"]

ctx = context.current()
st.title("Cross-region routing")
if ctx.require_invocations():
    query, frame = ctx.load("profile_vs_direct")
    frame = ctx.named(frame)
    latency = frame.dropna(subset=["p50_latency_ms"]) if not frame.empty else frame
    extra = sorted(set(latency["profile_scope"]) - set(SCOPES)) if not latency.empty else []
    ui.chart_panel(
        "Is calling through an inference profile slower than calling the model directly?",
        query, latency,
        lambda df: charts.dumbbell(
            df, category="model_name", value="p50_latency_ms", side="profile_scope",
            sides=SCOPES + extra, side_colours=SCOPE_COLOURS + ["#bab0ac"] * len(extra),
            kind="ms", title="p50 latency per model: direct call vs each profile scope",
            value_title="p50 latency (ms)", side_title="called via", row="served_mode",
            tooltip=[charts.value_tooltip("requests_with_latency", "count",
                                          "requests with latency"),
                     charts.value_tooltip("share_cross_region", "share", "served elsewhere")]),
        caption="One line per model; its dots are the same model in the same served mode "
                "(one panel per mode), so a profile is only compared with its own model's "
                "direct calls. A dot needs 20 requests with a latency.",
        key="profile_vs_direct_chart",
    )
    ui.table_panel("Profile scope detail", query, frame, colours=ctx.colours,
                   hide=("model_name",), key="profile_vs_direct_table")

    query, pairs = ctx.load("routing_pairs_by_model")
    pairs = ctx.named(pairs)
    ui.chart_panel(
        "Where was each model's traffic served?", query, pairs,
        lambda df: charts.heatmap(df, x="inference_region", y="source_region",
                                  value="requests", title="Requests by source → inference "
                                  "region, per model", value_title="requests",
                                  x_title="inference region", y_title="source region",
                                  facet="model_name"),
        key="routing_pairs_requests",
    )
    ui.chart_panel(
        "Is traffic served in another region slower, per model?", query,
        pairs.dropna(subset=["p50_latency_ms"]) if not pairs.empty else pairs,
        lambda df: charts.heatmap(df, x="inference_region", y="source_region",
                                  value="p50_latency_ms", kind="ms",
                                  title="p50 latency (ms) by region pair, per model",
                                  value_title="p50 ms", x_title="inference region",
                                  y_title="source region", facet="model_name"),
        caption="A pair needs 20 requests with a latency.",
        key="routing_pairs_latency",
    )
