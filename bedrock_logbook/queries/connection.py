"""Open DuckDB over a lake: the views in memory, or persisted in a .duckdb file for analysts.

The views read what the Iceberg table's current snapshot holds: pyiceberg plans the data files
(``lake.reading``) and macros hand them to the SQL (``logbook_files()``, the file list;
``logbook_mixed_columns()``, whether those files may differ in columns, so read_parquet must
match them by name; ``logbook_dedupe()``, whether a request_id may occur twice;
``logbook_lake()``, the lake root the side files live under). The per-day derived tables
(docs/rollups.md: ``lake.location.DERIVED_TABLES``) are planned the same way:
``logbook_<table>_files()`` and ``logbook_<table>_mixed_columns()`` (e.g.
``logbook_rollup_daily_files()``), and for the staleness view ``logbook_snapshot()`` (the raw
snapshot read) beside ``logbook_<table>_of()`` (the raw snapshot each reflects).
Nothing is downloaded at run time: ``s3://`` files are read through Arrow's S3 client
registered as a DuckDB filesystem, not through the httpfs extension.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from bedrock_logbook.lake.catalog import load_table
from bedrock_logbook.lake.location import (
    DERIVED_TABLES,
    PROMPT_PAIRS_TABLE,
    ROLLUP_DAILY_TABLE,
    ROLLUP_MODELS_TABLE,
    ROLLUP_SKETCHES_TABLE,
    TAG_ROLLUP_TABLE,
    TableError,
    TableLocation,
    local_path,
    resolve,
)
from bedrock_logbook.lake.reading import (
    ReadPlan,
    RollupPlan,
    duckdb_filesystem,
    has_hive_files,
    lake_filesystem,
    plan,
    plan_rollups,
)
from bedrock_logbook.queries.catalog import sql_objects
from bedrock_logbook.queries.prices import PriceTables, load_tables

LAKE_MACRO = "logbook_lake"
FILES_MACRO = "logbook_files"
# Whether the files may differ in columns: read_parquet's union_by_name (lake.reading.DataFiles).
MIXED_MACRO = "logbook_mixed_columns"
DEDUPE_MACRO = "logbook_dedupe"
# Per file of logbook_files() (same order): the oldest and newest ts it holds in microseconds
# since the epoch, NULL when unknown (lake.reading.DataFiles); raw_files_between reads them.
OLDEST_MACRO = "logbook_files_oldest_ts"
NEWEST_MACRO = "logbook_files_newest_ts"
SNAPSHOT_MACRO = "logbook_snapshot"
# Whether rollup_daily reflects the raw snapshot read (else rollup_daily_live reads raw rows).
DAILY_CURRENT_MACRO = "logbook_rollup_daily_current"
# Whether rollup_daily_models does (else rollup_daily_models_live merges rollup_daily_live).
MODELS_CURRENT_MACRO = "logbook_rollup_daily_models_current"
# Per derived table: its files, and the raw snapshot it reflects.
ROLLUP_MACROS = {name: (f"logbook_{name}_files", f"logbook_{name}_of")
                 for name in DERIVED_TABLES}
ROLLUP_MIXED_MACROS = {name: f"logbook_{name}_mixed_columns" for name in DERIVED_TABLES}
# Whether prompt_pairs_daily does (else prompt_pairs_live reads raw rows).
PAIRS_CURRENT_MACRO = "logbook_prompt_pairs_current"
# Whether rollup_tags_daily does (else rollup_tags_daily_live reads raw rows).
TAGS_CURRENT_MACRO = "logbook_rollup_tags_daily_current"
# Whether rollup_daily_sketches does (else rollup_daily_sketches_live reads the cube's rows).
SKETCHES_CURRENT_MACRO = "logbook_rollup_daily_sketches_current"
# A table name cannot be a bound parameter: one fixed statement per price table.
_INSERTS = {
    name: f"INSERT INTO {name} SELECT * FROM _price_rows"  # noqa: S608 (fixed names)
    for name in ("price_list", "price_model_match", "service_tier_list")
}

@dataclass(frozen=True)
class LakePlan:
    """What the views of one connection read: the raw table's plan and each rollup table's."""

    raw: ReadPlan
    rollups: Mapping[str, RollupPlan]

    @property
    def state(self) -> tuple[str | None, ...]:
        """Changes whenever any table has a new snapshot."""
        return (self.raw.metadata_location,
                *(self.rollups[n].metadata_location for n in sorted(self.rollups)))


# What each open connection reads, for refresh(): its lake and the plan its macros hold.
_PLANS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple[TableLocation, LakePlan]] = (
    weakref.WeakKeyDictionary())


def connect(
    lake: str | os.PathLike[str], *, catalog: str | None = None,
    prices: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every view over ``lake``'s current snapshot.

    ``lake`` is a local folder (which may be missing or empty: the views then return no
    rows) or ``s3://BUCKET/PREFIX``; ``catalog`` as ``--catalog`` (None: the lake's default).
    The lake is only read. ``prices`` is a user price CSV overriding/extending the shipped
    one. Raises ``TableError`` for a lake the views cannot read as asked (for example hive
    files that were never registered in a table: run ``bedrock-logbook migrate``). The views
    keep reading the snapshot planned here; :func:`refresh` re-plans.
    """
    location = resolve(os.fspath(lake), catalog)
    price_tables = load_tables(_path(prices))
    read_plan = plan_lake(location)
    con = duckdb.connect(":memory:")
    try:
        use_utc(con)
        _create_objects(con, location, read_plan, price_tables)
    except BaseException:
        con.close()
        raise
    _PLANS[con] = (location, read_plan)
    return con


def refresh(con: duckdb.DuckDBPyConnection) -> str:
    """Re-plan a connection made by :func:`connect` when its table has a new snapshot, so
    existing views read it (the macros are redefined; nothing else changes).

    Returns a text that changes whenever what the views read changes: the table's metadata
    location plus the run and quarantine files' count and newest time (those are globbed
    at query time). A cache of query results can be keyed by it.
    """
    location, current = _PLANS[con]
    fresh = plan_lake(location)
    if fresh.state != current.state:
        _define_plan_macros(con, location, fresh)
        # Tables computed from the lake (lake_rates): the new snapshot may hold new keys.
        for obj in sql_objects():
            if obj.kind == "memo":
                con.execute(obj.text)
        _PLANS[con] = (location, fresh)
    tables = "|".join(str(s) for s in fresh.state)
    return f"{tables}|{side_files_state(location)}"


def read_plan(con: duckdb.DuckDBPyConnection) -> ReadPlan:
    """The plan a connection made by :func:`connect` reads (its metadata location is None
    when the lake had no table)."""
    return _PLANS[con][1].raw


def rollup_plans(con: duckdb.DuckDBPyConnection) -> Mapping[str, RollupPlan]:
    """The rollup tables' plans a connection made by :func:`connect` reads, by table name."""
    return _PLANS[con][1].rollups


def plan_lake(location: TableLocation) -> LakePlan:
    """What the views read now: the current snapshots' files (none when there is no table)."""
    table = load_table(location)
    if table is None and has_hive_files(location):
        lake = location.lake
        raise TableError(f"{lake} holds Parquet files of the old layout but no table: run "
                         f"`bedrock-logbook migrate --lake {lake}` once (or any ingest) "
                         "to register them")
    rollups = plan_rollups(location) if table is not None else {
        name: RollupPlan() for name in ROLLUP_MACROS}
    return LakePlan(plan(table), rollups)


def side_files_state(location: TableLocation) -> str:
    """Count and newest modification time of the run records and quarantine files."""
    from pyarrow.fs import FileSelector

    fs, root = lake_filesystem(location)
    count, newest = 0, 0
    for sub in ("_runs", "quarantine"):
        try:
            infos = fs.get_file_info(FileSelector(f"{root}/{sub}", allow_not_found=True))
        except OSError:  # e.g. a broken entry: a cache key must not break a page
            continue
        for info in infos:
            count += 1
            newest = max(newest, info.mtime_ns or 0)
    return f"{count}:{newest}"


def write_database(
    lake: str | os.PathLike[str], db_path: str | os.PathLike[str], *,
    catalog: str | None = None, prices: str | os.PathLike[str] | None = None,
) -> None:
    """Write a .duckdb file holding the views over ``lake``, readable with no setup:
    ``duckdb -readonly <db_path>`` or ``duckdb.connect(str(db_path), read_only=True)``.

    The file list of the table's current snapshot is frozen into the file: rows ingested
    later do not show until the file is written again (``bedrock-logbook duckdb-file``).
    Run records and quarantine files are globbed at query time. The price list is copied in
    as a table (rewrite the file after changing prices). The file is built beside its
    destination and renamed into place, so readers never see a half-written database.
    """
    location = resolve(os.fspath(lake), catalog)
    target = Path(db_path)
    price_tables = load_tables(_path(prices))
    read_plan = plan_lake(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            use_utc(con)
            _create_objects(con, location, read_plan, price_tables)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def use_utc(con: duckdb.DuckDBPyConnection) -> None:
    """Make the session's time zone UTC, whatever the host's ``TZ`` is.

    A TIMESTAMPTZ is shown, truncated and cast to DATE in the session's zone, which DuckDB
    takes from the host: under ``TZ=America/Los_Angeles`` a request at 02:00 UTC would land
    on the previous day. The views take their days from ``ts`` at UTC (``date`` in
    raw_invocations, computed with ``AT TIME ZONE 'UTC'``) so they hold in any session,
    e.g. the DuckDB CLI over a ``duckdb-file`` database, where this setting does not
    persist; this keeps timestamps shown in UTC too.
    """
    con.execute("SET TimeZone = 'UTC'")


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return None if value is None else Path(value)


def _create_objects(
    con: duckdb.DuckDBPyConnection, location: TableLocation, read_plan: LakePlan,
    tables: PriceTables,
) -> None:
    if location.is_s3:
        con.register_filesystem(duckdb_filesystem(location))
    # Each view is bound when created, which reads every data file's footer (union_by_name):
    # cache footers so that happens once per file, not once per view (on S3 each is a round
    # trip; measured on moto: connect 8.2 s -> 5.7 s for 6 files). No revalidation: a data
    # file of the table, a quarantine part and a run record never change under their name.
    con.execute("SET parquet_metadata_cache = true")
    con.execute("SET validate_external_file_cache = 'NO_VALIDATION'")
    _define_macro(con, LAKE_MACRO, glob_escape(location.lake))
    _define_plan_macros(con, location, read_plan)
    for obj in sql_objects():
        con.execute(obj.text)
        if obj.kind == "table":
            _fill_price_table(con, obj.name, tables)


def glob_escape(path: str) -> str:
    """``path`` as a DuckDB glob that matches only itself: each glob character becomes a
    one-character class (``[`` → ``[[]``), so ``--lake 'lake[1]'`` never reads ``lake1``."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _define_plan_macros(con: duckdb.DuckDBPyConnection, location: TableLocation,
                        read_plan: LakePlan) -> None:
    """``logbook_files()``: the snapshot's data files as read_parquet takes them (local paths
    or ``s3://`` URIs, each escaped: read_parquet globs every entry of a list);
    ``logbook_mixed_columns()``: whether they may differ in columns (union_by_name);
    ``logbook_dedupe()``: whether raw_invocations must keep one row per request_id; the same
    file list per rollup table, and the snapshot ids the staleness view compares."""
    def read_list(files: tuple[str, ...]) -> list[str]:
        return [glob_escape(f if location.is_s3 else local_path(f)) for f in files]

    _define_macro(con, FILES_MACRO, read_list(read_plan.raw.files))
    _define_macro(con, OLDEST_MACRO, list(read_plan.raw.oldest_ts), empty="BIGINT[]")
    _define_macro(con, NEWEST_MACRO, list(read_plan.raw.newest_ts), empty="BIGINT[]")
    _define_macro(con, MIXED_MACRO, read_plan.raw.mixed_columns)
    _define_macro(con, DEDUPE_MACRO, read_plan.raw.dedupe)
    _define_macro(con, SNAPSHOT_MACRO, read_plan.raw.snapshot_id)
    for table, (files_macro, of_macro) in ROLLUP_MACROS.items():
        rollup = read_plan.rollups.get(table, RollupPlan())
        _define_macro(con, files_macro, read_list(rollup.files))
        _define_macro(con, of_macro, rollup.rollup_of)
        _define_macro(con, ROLLUP_MIXED_MACROS[table], rollup.mixed_columns)
    for table, macro in ((ROLLUP_DAILY_TABLE, DAILY_CURRENT_MACRO),
                         (ROLLUP_MODELS_TABLE, MODELS_CURRENT_MACRO),
                         (PROMPT_PAIRS_TABLE, PAIRS_CURRENT_MACRO),
                         (TAG_ROLLUP_TABLE, TAGS_CURRENT_MACRO),
                         (ROLLUP_SKETCHES_TABLE, SKETCHES_CURRENT_MACRO)):
        of = read_plan.rollups.get(table, RollupPlan()).rollup_of
        _define_macro(con, macro,
                      read_plan.raw.snapshot_id is not None and of == read_plan.raw.snapshot_id)


def _define_macro(con: duckdb.DuckDBPyConnection, name: str,
                  value: str | bool | int | list[str] | list[int | None] | None, *,
                  empty: str = "VARCHAR[]") -> None:
    """``CREATE OR REPLACE MACRO name() AS <value>``, the value as a literal DuckDB renders.

    DuckDB 2.0 refuses prepared parameters in CREATE VIEW and CREATE MACRO ("This type of
    statement can't be prepared"), and table functions such as read_parquet take neither
    subqueries nor session variables that would survive into a persisted file (SET VARIABLE
    is per connection). So the value is embedded as a literal that DuckDB itself renders
    (``duckdb.ConstantExpression`` doubles embedded quotes), and the round trip is checked
    before any view uses it. Redefining a macro changes what the views that call it read.
    """
    if value == []:
        literal = f"CAST([] AS {empty})"  # the list's type: an empty list literal has none
    elif value is None or isinstance(value, int) and not isinstance(value, bool):
        literal = "CAST(" + ("NULL" if value is None else str(int(value))) + " AS BIGINT)"
    else:
        literal = str(duckdb.ConstantExpression(value))
    con.execute("CREATE OR REPLACE MACRO " + name + "() AS " + literal)
    row = con.execute("SELECT " + name + "()").fetchone()
    if row is None or row[0] != value:
        raise ValueError(f"{name}() did not survive quoting: {value!r}")


def _fill_price_table(con: duckdb.DuckDBPyConnection, name: str, tables: PriceTables) -> None:
    """Load one of the price tables, once per connection (or .duckdb file).

    Through Arrow: a few hundred rows by ``executemany`` take about a second.
    """
    columns = [c[0] for c in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [name]).fetchall()]
    if name == "price_list":
        values = [
            [r.model for r in tables.prices], [r.latency_mode for r in tables.prices],
            [r.profile_scope for r in tables.prices], [r.region for r in tables.prices],
            [r.token_class for r in tables.prices], [r.effective_from for r in tables.prices],
            [r.min_prompt_tokens for r in tables.prices],
            [str(r.usd_per_million) for r in tables.prices],
            [r.source for r in tables.prices], [r.origin for r in tables.prices],
        ]
    elif name == "price_model_match":
        values = [
            [m.price_model for m in tables.matches], [m.rank for m in tables.matches],
            [m.op for m in tables.matches], [m.pattern for m in tables.matches],
        ]
    elif name == "service_tier_list":
        values = [
            [t.model for t in tables.tiers], [t.service_tier for t in tables.tiers],
            [str(t.multiplier) for t in tables.tiers], [t.source for t in tables.tiers],
            [t.origin for t in tables.tiers],
        ]
    else:
        raise ValueError(f"no loader for table {name}")
    rows = pa.table(dict(zip(columns, values, strict=True)))
    con.register("_price_rows", rows)
    try:
        con.execute(_INSERTS[name])
    finally:
        con.unregister("_price_rows")
