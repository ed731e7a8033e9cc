"""Parameterised dashboard queries: the SQL behind every dashboard chart.

Each panel is a file ``queries/panels/<name>.sql`` written against the views from
``queries.connect``: ``invocations`` when it needs cost or prices, otherwise
``raw_invocations`` (the same lake columns without the price lookup, about ten times faster).
Panels that honour the sidebar filters contain the marker ``/*filters*/ TRUE``; the marker is
replaced by a predicate assembled only from the constant fragments in ``_PREDICATES``, and
every user-chosen value travels as a bound ``$name`` parameter, never as SQL text.

Panels that read the rollups (``rollup_daily``, ``rollup_daily_cost``: docs/rollups.md) carry
``/*rollup_filters*/ TRUE`` instead: the same predicate, with the date range on the rollup's
``day`` (a rollup has no ``ts`` or ``date``; a day range is exact on daily rows).

A panel reads the model cube (``rollup_daily_models``: the daily rollup without ``hour``,
``account_id``, ``caller``, ``operation``, far fewer rows) where it writes
``rollup_daily_live /*models*/``, ``rollup_daily_cost /*models*/`` or
``'rollup_daily_live' /*models*/`` (a rate_tiers source): :func:`build` swaps each for the
cube's fixed name when no filter names those columns (:func:`cube_allowed`), else leaves the
daily rollup (the marker is a comment). A branch that breaks down by caller, account,
operation or hour names the daily or hourly rollup without the marker.

A panel that needs only the latency and first-byte sketches per day x model x served x
requested mode writes ``rollup_daily_live /*sketches*/``: :func:`build` swaps it for the
sketch table's live view (``rollup_daily_sketches_live``, ~6x fewer sketch entries than the
cube) when no filter names a column that table does not keep (:func:`sketches_allowed`),
else it becomes ``rollup_daily_live /*models*/`` and the cube rule above applies.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

PANELS_DIR = Path(__file__).with_name("panels")
# A panel may begin with a step: the SELECT before this line returns one row, whose columns
# are bound as parameters ($column) of the query after it (:func:`resolve`). For a value that
# must be a constant when DuckDB binds the query (a table function's file list), which a
# subquery cannot give.
STEP_MARKER = "\n-- then:\n"
FILTER_MARKER = "/*filters*/ TRUE"
ROLLUP_FILTER_MARKER = "/*rollup_filters*/ TRUE"
_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")

# The dashboard's notion of "model": the base model, or what the caller sent when the log
# names no base model (application-profile and provisioned ARNs).
MODEL_LABEL = "coalesce(model, model_id)"

# One constant fragment per filter; the values are bound parameters of the same name.
_PREDICATES: dict[str, str] = {
    "models": f"list_contains($models, {MODEL_LABEL})",
    "regions": "list_contains($regions, region)",
    "inference_regions": "list_contains($inference_regions, inference_region)",
    "served_modes": "list_contains($served_modes, coalesce(served_latency, 'unknown'))",
    "operations": "list_contains($operations, operation)",
    "callers": "list_contains($callers, caller)",
    "accounts": "list_contains($accounts, account_id)",
}


# The cube's swaps (fixed text -> fixed text; the quoted form first: it contains the other).
CUBE_SWAPS: tuple[tuple[str, str], ...] = (
    ("'rollup_daily_live' /*models*/", "'rollup_daily_models_live'"),
    ("rollup_daily_live /*models*/", "rollup_daily_models_live"),
    ("rollup_daily_cost /*models*/", "rollup_daily_models_cost"),
)
# Filters on columns the model cube does not keep.
_FULL_GRAIN_FILTERS = ("operations", "callers", "accounts")
# The sketch table's marker, and the filters on columns it does not keep (it has day,
# model, model_id, served and requested mode).
SKETCHES_MARKED = "rollup_daily_live /*sketches*/"
SKETCHES_VIEW = "rollup_daily_sketches_live"
_WIDER_THAN_SKETCHES_FILTERS = (*_FULL_GRAIN_FILTERS, "regions", "inference_regions")


# A value for every panel-specific parameter (build() drops those a panel does not use): what
# tests and benchmarks bind when they run every panel.
EXAMPLE_PARAMS: dict[str, Any] = {
    "dimension": "model", "tag_key": "team", "grain": "day", "limit": 100, "offset": 0,
    "errors_only": False,
}


@dataclass(frozen=True)
class Filters:
    """The sidebar selection. Empty tuples and None mean "no restriction"."""

    start: date | None = None
    end: date | None = None  # inclusive
    models: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    inference_regions: tuple[str, ...] = ()
    served_modes: tuple[str, ...] = ()  # 'standard', 'optimized', 'unknown'
    operations: tuple[str, ...] = ()
    callers: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()  # AWS account IDs


def filter_predicate(filters: Filters, *, rollup: bool = False) -> tuple[str, dict[str, Any]]:
    """The WHERE predicate for ``filters`` and its bound parameters; ``rollup``: for rows of a
    rollup table, whose time columns are ``day`` and ``hour`` (the other filtered columns
    have the raw table's names)."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if rollup:
        if filters.start is not None:
            parts.append("day >= $start_day")
            params["start_day"] = filters.start
        if filters.end is not None:
            parts.append("day <= $end_day")
            params["end_day"] = filters.end
    # Dates bound twice: on ts (exact) and on the lake's date partition, which lets DuckDB
    # skip whole partitions instead of reading their row-group statistics.
    elif filters.start is not None:
        parts.append("date >= $start_day AND ts >= $start_ts")
        params["start_day"] = filters.start
        params["start_ts"] = datetime.combine(filters.start, time(), tzinfo=UTC)
    if not rollup and filters.end is not None:
        parts.append("date <= $end_day AND ts < $end_ts")
        params["end_day"] = filters.end
        params["end_ts"] = datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=UTC)
    for f in fields(filters):
        values = getattr(filters, f.name)
        if f.name in _PREDICATES and values:
            parts.append(_PREDICATES[f.name])
            params[f.name] = list(values)
    return (" AND ".join(parts) or "TRUE"), params


def cube_allowed(filters: Filters) -> bool:
    """Whether the model cube can answer under ``filters`` (none names caller, account or
    operation; the cube keeps every other filtered column and the day)."""
    return not any(getattr(filters, name) for name in _FULL_GRAIN_FILTERS)


def sketches_allowed(filters: Filters) -> bool:
    """Whether the sketch table can answer under ``filters`` (none names a column other than
    the day, the model and the served mode)."""
    return not any(getattr(filters, name) for name in _WIDER_THAN_SKETCHES_FILTERS)


@cache
def panel_text(name: str) -> str:
    """The SQL file of panel ``name`` as written (filters marker included)."""
    path = PANELS_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no dashboard panel named {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")


def list_panels() -> list[str]:
    return sorted(p.stem for p in PANELS_DIR.glob("*.sql"))


@dataclass(frozen=True)
class PanelQuery:
    """A panel's SQL ready to run: the text shown to users and the values bound to it."""

    name: str
    sql: str
    params: Mapping[str, Any]


def build(name: str, filters: Filters, extra: Mapping[str, Any] | None = None) -> PanelQuery:
    """Panel ``name`` with the filters applied; ``extra`` binds panel-specific parameters
    (those the panel does not use are dropped, so callers may pass a page's whole set)."""
    text = panel_text(name)
    used = set(_PARAM_RE.findall(text))
    params: dict[str, Any] = {k: v for k, v in (extra or {}).items() if k in used}
    text = text.replace(SKETCHES_MARKED, SKETCHES_VIEW if sketches_allowed(filters)
                        else "rollup_daily_live /*models*/")
    if cube_allowed(filters):
        for marked, cube in CUBE_SWAPS:
            text = text.replace(marked, cube)
    for marker, rollup in ((FILTER_MARKER, False), (ROLLUP_FILTER_MARKER, True)):
        if marker in text:
            predicate, filter_params = filter_predicate(filters, rollup=rollup)
            text = text.replace(marker, predicate)
            params.update(filter_params)
    return PanelQuery(name=name, sql=text, params=params)


def resolve(con: duckdb.DuckDBPyConnection, query: PanelQuery) -> PanelQuery:
    """``query`` as one statement: for a panel with a step (``STEP_MARKER``), the step is run
    and its one row bound as parameters of the rest; any other panel is returned as is."""
    step, marker, rest = query.sql.partition(STEP_MARKER)
    if not marker:
        return query
    # execute, as run() does: it supersedes a result the caller left unfetched (con.sql would
    # refuse to start). Through Arrow: DuckDB's own Python conversion of TIMESTAMPTZ needs
    # pytz; the copy DuckDB warns of here is of one row.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        table = con.execute(step, _params_of(step, query.params)).to_arrow_table()
    if table is None or table.num_rows != 1:
        raise ValueError(f"panel {query.name}: its step must return exactly one row, "
                         f"got {0 if table is None else table.num_rows}")
    bound = {name: table.column(name)[0].as_py() for name in table.column_names}
    return PanelQuery(query.name, rest, {**_params_of(rest, query.params), **bound})


def _params_of(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    used = set(_PARAM_RE.findall(sql))
    return {k: v for k, v in params.items() if k in used}


def run(con: duckdb.DuckDBPyConnection, query: PanelQuery) -> Any:
    """Execute ``query`` (its step first, if it has one) and return a pandas DataFrame."""
    resolved = resolve(con, query)
    return con.execute(resolved.sql, dict(resolved.params)).df()
