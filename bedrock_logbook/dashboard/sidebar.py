"""The sidebar filters, applied by every page. Choices come from the whole lake."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from bedrock_logbook.dashboard import data
from bedrock_logbook.dashboard.names import ModelColours
from bedrock_logbook.queries.panels import Filters

# (label, Filters field = filter_options column)
_MULTISELECTS = (
    ("Model", "models"),
    ("Account", "accounts"),
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


def render(lake: data.Lake) -> tuple[Filters, int, ModelColours]:
    """Draw the filters; returns the selection, the lake's total request count and the
    lake's model names and colours (the same on every page whatever the filters)."""
    _, options = data.load(lake, "filter_options", Filters())
    _, accounts = data.load(lake, "filter_accounts", Filters())
    row = options.iloc[0].to_dict()
    row["accounts"] = accounts.iloc[0]["accounts"]
    requests = int(row["requests"])
    colours = ModelColours.for_models(list(row["models"]))
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
            label, choices, key=f"f_{field}", placeholder="All",
            # readable model names; the full ID stays in the help text and on hover
            format_func=colours.label if field == "models" else str,
            help="\n".join(f"- {name}: `{model}`" for model, name
                            in zip(colours.ids, colours.labels, strict=True))
            if field == "models" and choices else None,
        )
        selected[field] = tuple(picked_values)
    st.sidebar.divider()
    st.sidebar.caption(f"Lake: `{lake.path}` · {requests:,} requests")
    if st.sidebar.button("Reload data", help="Re-read the lake (after a new ingest)"):
        data.clear_cache()
        st.rerun()
    return Filters(start=start, end=end, **selected), requests, colours
