"""Requests: the individual requests behind any chart, paged from the raw table. The sidebar
filters apply, narrowed by what was clicked in a chart (a day, a model, a caller...)."""

from __future__ import annotations

import streamlit as st

from bedrock_logbook.dashboard import components as ui
from bedrock_logbook.dashboard import context, drill

PAGE_SIZES = [50, 100, 500]

ctx = context.current()
st.title("Requests")
if ctx.require_invocations():
    narrowing = drill.current()
    filters = drill.apply(ctx.filters, narrowing)
    if narrowing:
        cols = st.columns([5, 1])
        cols[0].info(f"From a chart selection: {drill.describe(narrowing)} "
                     "(on top of the sidebar filters).")
        if cols[1].button("Clear selection", key="drill_clear"):
            drill.clear()
            st.rerun()
    controls = st.columns([2, 1, 1])
    errors_only = controls[0].toggle("Only failed or guardrail-stopped requests",
                                     key="drill_errors_only")
    size = int(controls[1].selectbox("Rows per page", PAGE_SIZES, key="drill_page_size"))
    _, counted = ctx.load("requests_count", filters=filters, errors_only=errors_only)
    total = int(counted.iloc[0]["requests"])
    pages = max(1, -(-total // size))
    if int(st.session_state.get("drill_page", 1)) > pages:
        st.session_state["drill_page"] = 1  # the selection shrank under the page shown
    page = int(controls[2].number_input(f"Page (of {pages:,})", min_value=1, max_value=pages,
                                        value=1, step=1, key="drill_page"))
    query, frame = ctx.load("requests_page", filters=filters, errors_only=errors_only,
                           limit=size, offset=(page - 1) * size)
    first = (page - 1) * size + 1
    ui.table_panel(
        "Which requests are behind the numbers?", query, frame,
        caption=(f"Requests {first:,}–{first + len(frame) - 1:,} of {total:,}, newest first."
                 if total else None),
        colours=ctx.colours, key="requests_page", height=560,
    )
