"""Cost: by any dimension, by requestMetadata tag, cache savings and the prices used."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

DIMENSIONS = {
    "model": "Model",
    "served_mode": "Served mode",
    "requested_mode": "Requested mode",
    "profile_scope": "Profile scope",
    "caller": "Caller",
    "operation": "Operation",
    "region": "Source region",
    "inference_region": "Inference region",
}

ctx = context.current()
st.title("Cost")
if ctx.require_invocations():
    label = st.selectbox("Break cost down by", list(DIMENSIONS.values()), key="cost_dimension")
    dimension = next(key for key, text in DIMENSIONS.items() if text == label)
    query, frame = ctx.load("cost_by_dimension", dimension=dimension)
    ui.chart_panel(
        f"Cost by {DIMENSIONS[dimension].lower()}", query, frame,
        lambda df: charts.ranked_bars(df, category="value", value="cost_usd",
                                      title=f"Cost (USD) by {DIMENSIONS[dimension].lower()}",
                                      value_title="USD", value_format="$,.2f"),
    )

    query, frame = ctx.load("cost_daily_by_model")
    ui.chart_panel(
        "Cost per day by model", query, frame,
        lambda df: charts.time_series(df, x="day", y="cost_usd", color="model",
                                      title="Cost per day (USD)", y_title="USD",
                                      y_format="$,.2f"),
    )

    query, frame = ctx.load("cost_by_metadata")
    ui.chart_panel(
        "Cost by requestMetadata tag", query, frame,
        lambda df: charts.ranked_bars(
            df.assign(tag=df["metadata_key"] + " = " + df["metadata_value"]),
            category="tag", value="cost_usd", title="Cost (USD) by tag",
            value_title="USD", value_format="$,.2f"),
        caption="Tags callers attach with `requestMetadata`; untagged requests are not shown.",
    )

    query, frame = ctx.load("cache_usage")
    if not frame.empty:
        cols = st.columns(2)
        cols[0].metric("Saved by cache reads", ui.usd(frame["cache_read_savings_usd"].sum()))
        cols[1].metric("Premium paid on cache writes",
                       ui.usd(frame["cache_write_premium_usd"].sum()))
    ui.table_panel("Prompt-cache savings", query, frame)

    query, frame = ctx.load("price_sources")
    unpriced = frame[~frame["priced"]] if not frame.empty else frame
    if not unpriced.empty:
        st.warning(
            f"{int(unpriced['requests'].sum()):,} requests across "
            f"{unpriced['model'].nunique()} model(s) have no price and are not in any cost: "
            + ", ".join(sorted(unpriced["model"].unique()))
            + ". Add their prices with a price CSV (`--prices`)."
        )
    ui.table_panel("Prices used", query, frame)
