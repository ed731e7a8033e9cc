"""Modes: what was asked for against what was served, fallbacks, and the cost of each mode."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Latency modes")
if ctx.require_invocations():
    query, frame = ctx.load("mode_matrix")
    ui.chart_panel(
        "Requested vs served mode", query, frame,
        lambda df: charts.heatmap(df, x="served_mode", y="requested_mode", value="requests",
                                  title="Requests by requested and served mode",
                                  value_title="requests"),
        caption=("'unknown': failed calls (nothing was served) and optimized requests whose log "
                 "cannot tell which mode served them."),
    )

    query, frame = ctx.load("fallbacks_daily")
    if not frame.empty:
        cols = st.columns(3)
        cols[0].metric("Fallbacks", f"{int(frame['requests'].sum()):,}")
        cols[1].metric("Billed for them", ui.usd(frame["cost_usd"].sum()))
        cols[2].metric("Saved vs optimized price", ui.usd(frame["saved_by_fallback_usd"].sum()),
                       help="Fallbacks are billed at standard rates")
    ui.chart_panel(
        "Fallbacks: asked optimized, served standard", query, frame,
        lambda df: charts.stacked_daily_bars(df, x="day", y="requests", color="fallback_reason",
                                             title="Fallbacks per day by reason",
                                             y_title="requests"),
    )

    query, frame = ctx.load("mode_what_if")
    both = frame.dropna(subset=["all_optimized_cost_usd", "all_standard_cost_usd"])
    if not both.empty:
        actual = both["actual_cost_usd"].sum()
        if_optimized = both["all_optimized_cost_usd"].sum()
        if_standard = both["all_standard_cost_usd"].sum()
        st.caption("Models seen in both modes: " + ", ".join(both["model"]))
        cols = st.columns(3)
        cols[0].metric("Actual cost", ui.usd(actual))
        cols[1].metric("If all served optimized", ui.usd(if_optimized),
                       delta=ui.usd(if_optimized - actual), delta_color="inverse")
        cols[2].metric("If all served standard", ui.usd(if_standard),
                       delta=ui.usd(if_standard - actual), delta_color="inverse")
    ui.table_panel(
        "What would optimized cost or save for this traffic?", query, frame,
        caption="Each model's per-token price in each mode is taken from its own priced "
                "traffic in the selection; an empty cell means that model was not seen in "
                "that mode, so there is nothing to estimate from.",
    )
