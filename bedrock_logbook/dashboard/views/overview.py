"""Overview: the headline numbers for the selection and their trend."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import axes, charts, context
from bedrock_logbook.dashboard import components as ui

ctx = context.current()
st.title("Overview")
if ctx.require_invocations():
    kpi_query, kpis = ctx.load("overview_kpis")
    k = kpis.iloc[0]
    requests = int(k["requests"])
    row1 = st.columns(4)
    row1[0].metric("Requests", f"{requests:,}")
    row1[1].metric("Tokens in / out",
                   f"{ui.compact(k['input_tokens'])} / {ui.compact(k['output_tokens'])}",
                   help=f"{int(k['input_tokens']):,} input, {int(k['output_tokens']):,} output, "
                        f"{int(k['cache_tokens']):,} cache read/write")
    row1[2].metric("Cost", ui.usd(k["cost_usd"]),
                   help="Priced requests only; see the Spend page for prices used")
    row1[3].metric("Unpriced requests", f"{int(k['unpriced_requests']):,}",
                   help="No price known for the model / mode / date: not in the cost")
    row2 = st.columns(5)
    row2[0].metric("p50 latency", ui.ms(k["p50_latency_ms"]))
    row2[1].metric("p99 latency", ui.ms(k["p99_latency_ms"]))
    row2[2].metric("Error rate", ui.pct(k["error_rate"] if requests else None))
    row2[3].metric("Served optimized", ui.pct(k["share_optimized"] if requests else None))
    row2[4].metric("Cross-region", ui.pct(k["share_cross_region"] if requests else None))
    if requests == 0:
        st.info(ui.NO_DATA)
    ui.sql_and_download([(kpi_query, kpis)], "overview_kpis")

    daily_query, daily = ctx.load("overview_daily")
    left, right = st.columns(2)
    with left:
        ui.chart_panel(
            "What did we spend each day?", daily_query, daily,
            lambda df: charts.daily_lines(df, y="cost_usd", kind="money", y_title="USD",
                                          title="Cost per UTC day (priced requests)"),
            key="overview_daily_cost",
        )
    with right:
        ui.chart_panel(
            "How many requests and errors each day?", daily_query, daily,
            lambda df: charts.daily_lines(
                df.melt(id_vars=["day"], value_vars=["requests", "errors"],
                        var_name="series", value_name="n"),
                y="n", kind="count", y_title="requests", title="Requests and errors per UTC day",
                color=axes.series_color(["requests", "errors"], ["#4c78a8", "#e45756"])),
            key="overview_daily_requests",
        )
