"""Modes: is latency-optimized worth its price? The paired comparison, a what-if from the
price table, requested vs served and fallbacks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bedrock_logbook.dashboard import axes, charts, context, tables
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Latency modes")
if ctx.require_invocations():
    query, what_if = ctx.load("mode_price_what_if")
    what_if = ctx.named(what_if)
    if not what_if.empty:
        long = pd.concat([
            what_if.assign(mode="standard", usd=what_if["all_standard_usd"]),
            what_if.assign(mode="optimized", usd=what_if["all_optimized_usd"]),
        ]).dropna(subset=["usd"])
        offered = what_if.dropna(subset=["all_optimized_usd", "all_standard_usd"])
        if len(offered):
            st.caption("Models with both list rates: " + ", ".join(offered["model_name"]))
            cols = st.columns(3)
            cols[0].metric("Billed for them", ui.usd(offered["cost_usd"].sum()))
            standard = offered["all_standard_usd"].sum()
            optimized = offered["all_optimized_usd"].sum()
            cols[1].metric("All standard, list rates", ui.usd(standard))
            cols[2].metric("All optimized, list rates", ui.usd(optimized),
                           delta=ui.pct(optimized / standard - 1) if standard else None,
                           delta_color="inverse")
    else:
        long = what_if
    ui.chart_panel(
        "What would this traffic cost served standard vs optimized?", query, long,
        lambda df: charts.dumbbell(
            df, category="model_name", value="usd", side="mode", sides=axes.MODES[:2],
            side_colours=axes.MODE_COLOURS[:2], kind="money",
            title="Each model's actual tokens priced at each mode's list rates",
            value_title="USD (list rates)", side_title="priced as",
            tooltip=[charts.value_tooltip("requests", "count", "requests")]),
        caption="Rates come from the price table, so a model that only ever ran standard still "
                "gets its optimized price (a model without an optimized rate has one dot: it "
                "does not offer the mode). Billed cost can differ from list (prompt tiers, "
                "service tiers, 1-hour cache writes).",
        key="mode_what_if_chart",
    )
    if not what_if.empty:
        table = what_if.assign(
            latency_gain=[("not measured" if pd.isna(g) else f"{g:.0f}% faster at p50")
                          for g in what_if["p50_latency_improvement_pct"]],
            premium=[("not offered" if pd.isna(p) else f"+{p:.0%}")
                     for p in what_if["optimized_premium"]])
        money = {c: [tables.format_value(v, "money") for v in table[c]]
                 for c in ("cost_usd", "all_standard_usd", "all_optimized_usd")}
        st.dataframe(
            pd.DataFrame({
                "Model": table["model_name"],
                "Optimized premium": table["premium"],
                "Latency gain (measured)": table["latency_gain"],
                "Requests": [tables.format_value(v, "count") for v in table["requests"]],
                "Served optimized": [tables.format_value(v, "count")
                                     for v in table["served_optimized"]],
                "Billed": money["cost_usd"],
                "All standard (list)": money["all_standard_usd"],
                "All optimized (list)": money["all_optimized_usd"],
                "Model ID": table["model"],
            }),
            hide_index=True,
        )
        st.caption("Latency gain: 1 − optimized p50 / standard p50 over the selection's "
                   "successful calls, only where both modes have at least 20 measured requests.")

    query, comparison = ctx.load("mode_comparison_summary")
    ui.table_panel(
        "Is optimized faster for the same prompt, run both ways on the same UTC day?", query,
        comparison,
        caption="Whole lake (sidebar filters do not apply). The paired gain compares identical "
                "prompts (`prompt_fp`) run both ways on the same UTC day (a prompt run "
                "standard one day and optimized another is not a pair); where no prompt ran "
                "both ways on one day it is not measured. Requests, p50 (within 1%), tokens/s "
                "and prices come from the daily rollup. The exact pairing across the whole "
                "lake, days apart included, is the `mode_comparison` view.",
        colours=ctx.colours,
    )
    query, pairs = ctx.load("mode_prompt_pairs_list")
    ui.table_panel("Which prompts ran both ways on the same UTC day?", query, pairs,
                   colours=ctx.colours,
                   caption="The `prompt_pairs_same_day` view (whole lake): calls and mean "
                           "latency per mode over the UTC days the prompt ran in both modes. "
                           "`mode_prompt_pairs` pairs across days.")

    query, frame = ctx.load("mode_matrix")
    ui.chart_panel(
        "Did we get the mode we asked for?", query, frame,
        lambda df: charts.heatmap(df, x="served_mode", y="requested_mode", value="requests",
                                  title="Requests by requested and served mode",
                                  value_title="requests", x_title="served mode",
                                  y_title="requested mode"),
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
        "How often did optimized fall back to standard, and why?", query, frame,
        lambda df: charts.daily_stacked(df, y="requests", kind="count", y_title="requests",
                                        color=axes.category_color(
                                            "fallback_reason", "reason",
                                            sorted(df["fallback_reason"].unique())),
                                        title="Fallbacks per UTC day by reason"),
    )
