"""Reliability: errors and throttles by code and model over time, guardrail interventions."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import axes, charts, context, drill, reliability_charts
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Reliability")
if ctx.require_invocations():
    query, daily = ctx.load("reliability_daily")
    if not daily.empty:
        requests = int(daily["requests"].sum())
        cols = st.columns(4)
        cols[0].metric("Errors", f"{int(daily['errors'].sum()):,}")
        cols[1].metric("Error rate", ui.pct(daily["errors"].sum() / requests))
        cols[2].metric("Throttles", f"{int(daily['throttles'].sum()):,}",
                       help="ThrottlingException")
        cols[3].metric("Guardrail interventions",
                       f"{int(daily['interventions'].sum()):,}")

    query_codes, codes = ctx.load("errors_daily_by_code")
    grain = reliability_charts.grain_of(codes)
    picked = ui.chart_panel(
        f"Which errors did we get each {grain}?", query_codes, codes,
        reliability_charts.errors_by_code,
        caption=("Over more than 90 days of data, one bar per ISO week (Monday to Sunday). "
                 if grain == "week" else "")
        + "The eight most frequent codes by name, the rest as 'other'. "
        "Click a bar to list its requests.",
        key="errors_by_code", selectable=True,
    )
    drill.offer(picked, rename={"first_day": "day", "last_day": "day"}, key="errors")

    picked = ui.chart_panel(
        "Which models fail most, and are they getting worse?", query, ctx.named(daily),
        lambda df: charts.day_heatmap(
            df, y="model_name", value="error_rate", kind="share", value_title="error rate",
            title="Error rate per UTC day per model",
            tooltip=[*axes.model_tooltip(),
                     charts.value_tooltip("errors", "count", "errors"),
                     charts.value_tooltip("requests", "count", "requests")],
            pick_fields=["day", "model"]),
        caption="Click a cell to list that model's requests of that day.",
        key="error_rate_by_model", selectable=True,
    )
    drill.offer(picked, key="error_rate")
    ui.chart_panel(
        "Which models are throttled, and when?", query, ctx.named(daily),
        lambda df: charts.daily_stacked(
            df, y="throttles", kind="count", y_title="throttled requests",
            color=axes.model_color(ctx.colours), title="ThrottlingException per UTC day by model",
            tooltip=axes.model_tooltip()),
        key="throttles_by_model",
    )
    interventions = daily[daily["interventions"] > 0] if not daily.empty else daily
    ui.chart_panel(
        "How often did guardrails intervene?", query, ctx.named(interventions),
        lambda df: charts.daily_stacked(
            df, y="interventions", kind="count", y_title="interventions",
            color=axes.model_color(ctx.colours),
            title="Guardrail interventions per UTC day by model",
            tooltip=[*axes.model_tooltip(),
                     charts.value_tooltip("intervention_rate", "share", "share of requests")]),
        key="guardrails_by_model",
    )
