"""Overview: the headline numbers for the selection and their trend."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import charts, context
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
                   help="Priced requests only; see the Cost page for prices used")
    row1[3].metric("Unpriced requests", f"{int(k['unpriced_requests']):,}",
                   help="No price known for the model / mode / date: not in the cost")
    row2 = st.columns(5)
    row2[0].metric("p50 latency", ui.ms(k["p50_latency_ms"]))
    row2[1].metric("p99 latency", ui.ms(k["p99_latency_ms"]))
    row2[2].metric("Error rate", ui.pct(k["error_rate"] if requests else None))
    row2[3].metric("Served optimized", ui.pct(k["share_optimized"] if requests else None))
    row2[4].metric("Cross-region", ui.pct(k["share_cross_region"] if requests else None))
    ui.sql_and_download([(kpi_query, kpis)], "overview_kpis")

    daily_query, daily = ctx.load("overview_daily")
    left, right = st.columns(2)
    with left:
        ui.chart_panel(
            "Cost per day", daily_query, daily,
            lambda df: charts.time_series(df, x="day", y="cost_usd", title="Cost (USD, priced)",
                                          y_title="USD", y_format="$,.2f"),
            key="overview_daily_cost",
        )
    with right:
        ui.chart_panel(
            "Requests per day", daily_query, daily,
            lambda df: charts.time_series(df, x="day", y="requests", title="Requests",
                                          y_title="requests"),
            key="overview_daily_requests",
        )
