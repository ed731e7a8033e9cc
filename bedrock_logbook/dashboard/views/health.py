"""Data health: freshness overall and per account x region, whether the derived tables are
current, hourly gaps, ingest runs, quarantined input and latency coverage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from bedrock_logbook.dashboard import charts, context
from bedrock_logbook.dashboard import components as ui

STALE_AFTER = timedelta(hours=24)

ctx = context.current()
st.title("Data health")
query, fresh = ctx.load("health_freshness")
f = fresh.iloc[0]
now = datetime.now(UTC)
newest = None if pd.isna(f["newest_record"]) else f["newest_record"].to_pydatetime()
last_run = None if pd.isna(f["last_run_finished"]) else f["last_run_finished"].to_pydatetime()
cols = st.columns([3, 3, 2, 2])
cols[0].metric("Newest record (UTC)", "—" if newest is None else f"{newest:%Y-%m-%d %H:%M}")
cols[1].metric("Last ingest run (UTC)", "—" if last_run is None else f"{last_run:%Y-%m-%d %H:%M}")
cols[2].metric("Ingest runs", f"{int(f['runs']):,}")
cols[3].metric("Quarantined", f"{int(f['quarantined']):,}")
if newest is None:
    context.show_empty_lake(ctx.lake)
elif now - newest > STALE_AFTER:
    st.warning(f"The newest record is {(now - newest).days} day(s) old: is ingestion still "
               "running? (Bedrock delivers logs within minutes.)")
ui.sql_and_download([(query, fresh)], "health_freshness")

query, sources = ctx.load("health_freshness_by_source")
ui.table_panel(
    "Is every account and region still delivering?", query, sources,
    caption="Whole lake. A source far behind the newest one has stopped delivering (or its "
            "ingest has).",
)

query, derived = ctx.load("health_derived_tables")
ui.table_panel(
    "Are the rollups up to date?", query, derived,
    caption="Whole lake. Pages read these derived tables while they reflect the raw table's "
            "current snapshot; a table behind (an ingest between its commits, or killed) or "
            "absent is computed from the raw rows instead: the same numbers, more slowly, "
            "until the next ingest refreshes it.",
)

query, hourly = ctx.load("health_hourly")
ui.chart_panel(
    "Are there hours with no data?", query, hourly, charts.hourly_gaps,
    caption="The selection's last 14 days of data, hour by hour (UTC). Filters apply.",
)

query, runs = ctx.load("health_runs")
ui.chart_panel("Did the ingest runs write what they read?", query, runs, charts.runs_timeline,
               key="health_runs_chart")
ui.table_panel("Latest runs", query, runs, key="health_runs_table")

query, reasons = ctx.load("health_quarantine_reasons")
ui.chart_panel(
    "Why was input quarantined?", query, reasons,
    lambda df: charts.ranked_bars(df, category="reason", value="quarantined", kind="count",
                                  title="Quarantined records by reason",
                                  value_title="records"),
)
query, recent = ctx.load("health_quarantine_recent")
ui.table_panel("Quarantined records", query, recent,
               caption="Where each line is, why, and a fingerprint (`raw_quarantine` view); "
                       "its text is kept only with --keep-bodies.")

query, coverage = ctx.load("health_latency_coverage")
ui.chart_panel(
    "Which calls log a latency?", query, coverage,
    lambda df: charts.share_bars(df, category="operation", share="latency_share",
                                 title="Share of requests whose log carries a latency",
                                 share_title="with latency"),
    caption="InvokeModel logs carry no latency; streams and Converse do. Filters apply.",
)
