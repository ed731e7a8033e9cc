"""The dashboard's one way to the lake: a locked-down DuckDB connection over the ``queries``
views, re-planned when the lake's table has a new snapshot, and panel results cached per
(lake state, panel, filters)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from bedrock_logbook import queries
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters, PanelQuery
from bedrock_logbook.settings import Settings

# How long one look at the lake's state serves page loads: a page runs a dozen panels, and
# on an s3:// lake each look is a catalog read and two listings.
STATE_SECONDS = 5.0
_recheck_after = 0.0  # "Reload data" sets it: the next page load looks at the lake again


@dataclass(frozen=True)
class Lake:
    path: str  # an absolute local folder, or s3://BUCKET/PREFIX
    prices: Path | None = None
    catalog: str | None = None


def configured_lake() -> Lake:
    """The lake named by ``BEDROCK_LOGBOOK_LAKE`` (and ``_CATALOG``; set by
    ``bedrock-logbook dashboard``)."""
    settings = Settings.load()
    lake = settings.lake
    path = lake if lake.startswith("s3://") else str(Path(lake).expanduser().resolve())
    return Lake(path, settings.prices, settings.catalog)


class _Shared:
    """One connection per lake shared by all browser sessions, and the lake state it was
    last re-planned for. DuckDB connections are not safe for concurrent use from several
    threads, so queries take turns (each is parallel inside DuckDB anyway)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, state: str) -> None:
        self.con = con
        self.lock = threading.Lock()
        self.state = state
        self.checked = time.monotonic()

    def current_state(self) -> str:
        """The lake's state, re-planning the connection when the table moved on (at most
        once per STATE_SECONDS)."""
        with self.lock:
            if (time.monotonic() - self.checked >= STATE_SECONDS
                    or self.checked < _recheck_after):
                self.state = queries.refresh(self.con)
                self.checked = time.monotonic()
            return self.state


@st.cache_resource(show_spinner=False)
def _shared(lake: str, prices: str | None, catalog: str | None) -> _Shared:
    con = queries.connect(lake, catalog=catalog, prices=Path(prices) if prices else None)
    state = queries.refresh(con)
    allow_reading_only(con, lake)
    return _Shared(con, state)


def allow_reading_only(con: duckdb.DuckDBPyConnection, lake: str | Path) -> None:
    """From here on the connection may read files under the lake and nothing else; it cannot
    write files, reach the network or loosen these settings. (Macros can still be
    redefined: that is how :func:`queries.refresh` re-plans it.)"""
    con.execute("SET allowed_directories = " + str(duckdb.ConstantExpression([str(lake)])))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def _frame(lake: str, prices: str | None, catalog: str | None, state: str, name: str,
           sql: str, params: dict[str, Any]) -> Any:
    shared = _shared(lake, prices, catalog)
    with shared.lock:
        return panels.run(shared.con, PanelQuery(name=name, sql=sql, params=params))


def load(lake: Lake, name: str, filters: Filters, **extra: Any) -> tuple[PanelQuery, Any]:
    """Panel ``name`` for ``filters``: the query as run (for "show SQL") and its DataFrame."""
    query = panels.build(name, filters, extra)
    prices = str(lake.prices) if lake.prices else None
    state = _shared(lake.path, prices, lake.catalog).current_state()
    frame = _frame(lake.path, prices, lake.catalog, state, name, query.sql, dict(query.params))
    return query, frame


def clear_cache() -> None:
    global _recheck_after
    _recheck_after = time.monotonic()
    _frame.clear()
