"""Spend: per day by model, caller, tag or account; untagged and unpriced shares; cost by
tag; cache savings and the prices used."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import axes, charts, context, drill
from bedrock_logbook.dashboard import components as ui

BREAKDOWNS = {"model": "Model", "caller": "Caller", "tag": "requestMetadata tag",
              "account": "Account"}

ctx = context.current()
st.title("Spend")
if ctx.require_invocations():
    cols = st.columns([2, 2, 3])
    label = cols[0].selectbox("Stack spend per day by", list(BREAKDOWNS.values()),
                              key="spend_dimension")
    dimension = next(key for key, text in BREAKDOWNS.items() if text == label)
    tag_key = ""
    if dimension == "tag":
        _, keys = ctx.load("tag_keys")
        choices = list(keys["tag_key"]) if not keys.empty else []
        tag_key = cols[1].selectbox("Tag key", choices, key="spend_tag_key") or ""
    query, frame = ctx.load("spend_daily", dimension=dimension, tag_key=tag_key)
    if dimension == "model":
        frame = frame.assign(model=frame["value"])
        frame = ctx.named(frame).assign(value_name=lambda f: f["model_name"])
        color = axes.model_color(ctx.colours, "value_name", extra=["other"])
        tips = axes.model_tooltip()
    else:
        frame = frame.assign(value_name=frame["value"])
        order = (frame.groupby("value")["cost_usd"].sum().sort_values(ascending=False).index
                 if not frame.empty else [])
        color = axes.category_color("value_name", BREAKDOWNS[dimension].lower(),
                                    [v for v in order if v != "other"] + ["other"])
        tips = [charts.text_tooltip("value_name", BREAKDOWNS[dimension].lower())]
    picked = ui.chart_panel(
        f"Where did the money go each day, by {BREAKDOWNS[dimension].lower()}?", query, frame,
        lambda df: charts.daily_stacked(
            df, y="cost_usd", kind="money", y_title="USD", color=color,
            title=f"Cost per UTC day by {BREAKDOWNS[dimension].lower()} (top 8, rest 'other')",
            tooltip=[*tips, charts.value_tooltip("requests", "count", "requests")],
            pick_fields=["day", "value"]),
        caption="Priced requests only (unpriced ones are counted below). Click a bar to list "
                "its requests.",
        key=f"spend_daily_{dimension}", selectable=True,
    )
    field = {"model": "model", "caller": "caller", "account": "account"}.get(dimension)
    drill.offer([{k: v for k, v in p.items() if k != "value" or field} for p in picked],
                rename={"value": field} if field else None, key="spend")

    query, shares = ctx.load("spend_shares_daily")
    left, right = st.columns(2)
    with left:
        ui.chart_panel(
            "How much of our spend carries no requestMetadata tag?", query, shares,
            lambda df: charts.daily_lines(df, y="untagged_share", kind="share",
                                          y_title="untagged share of cost",
                                          title="Untagged share of spend per UTC day",
                                          tooltip=[charts.value_tooltip(
                                              "untagged_cost_usd", "money", "untagged USD")]),
            key="spend_untagged",
        )
    with right:
        ui.chart_panel(
            "How many requests could not be priced?", query, shares,
            lambda df: charts.daily_lines(df, y="unpriced_share", kind="share",
                                          y_title="unpriced share of requests",
                                          title="Unpriced share of requests per UTC day",
                                          tooltip=[charts.value_tooltip(
                                              "unpriced_requests", "count", "unpriced")]),
            key="spend_unpriced",
        )

    query, tags = ctx.load("cost_by_metadata")
    ui.chart_panel(
        "What did each requestMetadata tag cost?", query, tags,
        lambda df: charts.ranked_bars(
            df.assign(tag=df["metadata_key"] + " = " + df["metadata_value"]),
            category="tag", value="cost_usd", kind="money", title="Cost by tag (whole selection)",
            value_title="USD", tooltip=[charts.value_tooltip("requests", "count", "requests")]),
        caption="A request with several tags counts under each of them.",
    )

    query, frame = ctx.load("cache_usage")
    if not frame.empty:
        saved, premium = st.columns(2)
        saved.metric("Saved by cache reads", ui.usd(frame["cache_read_savings_usd"].sum()))
        premium.metric("Premium paid on cache writes",
                       ui.usd(frame["cache_write_premium_usd"].sum()))
    ui.table_panel("What did prompt caching save per model?", query, frame,
                   colours=ctx.colours)

    query, frame = ctx.load("price_sources")
    unpriced = frame[~frame["priced"]] if not frame.empty else frame
    if not unpriced.empty:
        st.warning(
            f"{int(unpriced['requests'].sum()):,} requests across "
            f"{unpriced['model'].nunique()} model(s) have no price and are not in any cost: "
            + ", ".join(sorted(unpriced["model"].unique()))
            + ". Add their prices with a price CSV (`--prices`)."
        )
    ui.table_panel("Which price was each model costed with?", query, frame,
                   colours=ctx.colours)
