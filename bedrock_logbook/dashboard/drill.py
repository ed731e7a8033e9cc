"""From a chart selection to the Requests page: a click on a chart's bar or point (a model,
a day, a caller...) becomes a drill-down filter that the Requests page applies on top of the
sidebar filters."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from bedrock_logbook.queries.panels import Filters

_KEY = "bedrock_logbook.drill"
PAGE = "views/requests.py"
# Filters fields a chart's selection can set (selection field -> Filters field).
FILTER_FIELDS = {"model": "models", "caller": "callers", "account": "accounts",
                 "account_id": "accounts", "served_mode": "served_modes",
                 "operation": "operations", "region": "regions",
                 "inference_region": "inference_regions"}


def as_day(value: Any) -> date | None:
    """A selected day as Vega hands it back: epoch milliseconds or an ISO text."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date()
    try:
        day: date = pd.Timestamp(value).date()
        return day
    except (ValueError, TypeError):
        return None


def from_pick(picked: Sequence[Mapping[str, Any]],
              rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The drill-down of a selection: ``{"day": date, "models": (...), ...}``. ``rename``
    maps a chart field to a selection field name (e.g. ``{"value": "caller"}``)."""
    days: set[date] = set()
    values: dict[str, set[str]] = {}
    for point in picked:
        for field, value in point.items():
            field = (rename or {}).get(field, field)
            if field == "day":
                day = as_day(value)
                if day is not None:
                    days.add(day)
            elif field in FILTER_FIELDS and value is not None:
                values.setdefault(FILTER_FIELDS[field], set()).add(str(value))
    drill: dict[str, Any] = {k: tuple(sorted(v)) for k, v in values.items()}
    if days:
        drill["start"], drill["end"] = min(days), max(days)
    return drill


def apply(filters: Filters, drill: Mapping[str, Any]) -> Filters:
    """The sidebar filters narrowed by a drill-down (values outside them select nothing)."""
    changes: dict[str, Any] = {}
    for field, value in drill.items():
        current = getattr(filters, field)
        if field == "start":
            changes[field] = value if current is None else max(current, value)
        elif field == "end":
            changes[field] = value if current is None else min(current, value)
        elif current:
            changes[field] = tuple(v for v in value if v in current) or ("\x00none",)
        else:
            changes[field] = tuple(value)
    return dataclasses.replace(filters, **changes)


def describe(drill: Mapping[str, Any]) -> str:
    parts = []
    if "start" in drill:
        start, end = drill["start"], drill["end"]
        parts.append(f"day {start}" if start == end else f"days {start} to {end}")
    for field, value in drill.items():
        if field not in ("start", "end"):
            parts.append(f"{field.replace('_', ' ')}: {', '.join(value)}")
    return "; ".join(parts)


def offer(picked: Sequence[Mapping[str, Any]], rename: Mapping[str, str] | None = None,
          key: str = "") -> None:
    """Under a chart: when something is selected, store it and link to the Requests page."""
    drill = from_pick(picked, rename)
    if not drill:
        return
    st.session_state[_KEY] = drill
    st.page_link(PAGE, label=f"Show these requests ({describe(drill)}) →", icon="🔎")


def current() -> dict[str, Any]:
    value = st.session_state.get(_KEY)
    return dict(value) if isinstance(value, dict) else {}


def clear() -> None:
    st.session_state.pop(_KEY, None)
