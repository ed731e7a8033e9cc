"""The dashboard's one way to the lake: a locked-down DuckDB connection over the ``queries``
views, and panel results cached per (lake state, panel, filters)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from bedrock_logbook import queries
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters, PanelQuery
from bedrock_logbook.settings import Settings


@dataclass(frozen=True)
class Lake:
    path: Path
    prices: Path | None = None


def configured_lake() -> Lake:
    """The lake named by ``BEDROCK_LOGBOOK_LAKE`` (set by ``bedrock-logbook dashboard``)."""
    settings = Settings.load()
    return Lake(Path(settings.lake).expanduser().resolve(), settings.prices)


@st.cache_resource(show_spinner=False)
def _connection(lake: str, prices: str | None) -> tuple[duckdb.DuckDBPyConnection, threading.Lock]:
    con = queries.connect(Path(lake), prices=Path(prices) if prices else None)
    allow_reading_only(con, Path(lake))
    # One connection per lake is shared by all browser sessions; DuckDB connections are not
    # safe for concurrent use from several threads, so queries take turns (each is parallel
    # inside DuckDB anyway).
    return con, threading.Lock()


def allow_reading_only(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """From here on the connection may read files under the lake and nothing else; it cannot
    write files, reach the network or loosen these settings."""
    con.execute("SET allowed_directories = " + str(duckdb.ConstantExpression([str(lake)])))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def lake_signature(lake: Path) -> tuple[int, int, int]:
    """Changes when an ingest run commits (a new ``_runs`` record or date partition), so
    cached results are recomputed after new data lands rather than on a timer only."""
    runs = lake / "_runs"
    count, newest = 0, 0
    if runs.is_dir():
        with os.scandir(runs) as entries:
            for entry in entries:
                count += 1
                # The entry itself: a broken symlink put there must not break every page.
                newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
    invocations = lake / "invocations"
    partitions = invocations.stat().st_mtime_ns if invocations.is_dir() else 0
    return count, newest, partitions


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def _frame(lake: str, prices: str | None, signature: tuple[int, int, int], name: str,
           sql: str, params: dict[str, Any]) -> Any:
    con, lock = _connection(lake, prices)
    with lock:
        return panels.run(con, PanelQuery(name=name, sql=sql, params=params))


def load(lake: Lake, name: str, filters: Filters, **extra: Any) -> tuple[PanelQuery, Any]:
    """Panel ``name`` for ``filters``: the query as run (for "show SQL") and its DataFrame."""
    query = panels.build(name, filters, extra)
    prices = str(lake.prices) if lake.prices else None
    frame = _frame(str(lake.path), prices, lake_signature(lake.path), name, query.sql,
                   dict(query.params))
    return query, frame


def clear_cache() -> None:
    _frame.clear()
