"""The sidebar filters, applied by every page. Choices come from the whole lake."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from bedrock_logbook.dashboard import data
from bedrock_logbook.queries.panels import Filters

# (label, Filters field, filter_options column)
_MULTISELECTS = (
    ("Model", "models"),
    ("Source region", "regions"),
    ("Inference region", "inference_regions"),
    ("Served mode", "served_modes"),
    ("Operation", "operations"),
    ("Caller", "callers"),
)


def _as_date(value: Any) -> date | None:
    if value is None or value != value:  # None or NaT
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[no-any-return]


def render(lake: data.Lake) -> tuple[Filters, int]:
    """Draw the filters; returns the selection and the lake's total request count."""
    _, options = data.load(lake, "filter_options", Filters())
    row = options.iloc[0]
    requests = int(row["requests"])
    st.sidebar.header("Filters")
    start = end = None
    first, last = _as_date(row["first_day"]), _as_date(row["last_day"])
    if first is not None and last is not None:
        picked = st.sidebar.date_input(
            "Dates (UTC)", value=(first, last), min_value=first, max_value=last, key="f_dates"
        )
        chosen = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
        start = chosen[0] if chosen else first
        end = chosen[1] if len(chosen) > 1 else start
    selected: dict[str, tuple[str, ...]] = {}
    for label, field in _MULTISELECTS:
        values = row[field]
        choices = list(values)
        picked_values = st.sidebar.multiselect(
            label, choices, key=f"f_{field}", placeholder="All"
        )
        selected[field] = tuple(picked_values)
    st.sidebar.divider()
    st.sidebar.caption(f"Lake: `{lake.path}` · {requests:,} requests")
    if st.sidebar.button("Reload data", help="Re-read the lake (after a new ingest)"):
        data.clear_cache()
        st.rerun()
    return Filters(start=start, end=end, **selected), requests
