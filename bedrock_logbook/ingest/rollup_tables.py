"""Keep the per-day derived tables (the rollups) consistent with the invocations table.

The tables are listed once, in :data:`DERIVED_TABLES` (today ``rollup_hourly``,
``rollup_daily``, the model cube ``rollup_daily_models`` and the same-day prompt pairs
``prompt_pairs_daily``, ingest/prompt_pairs.py). Each entry is a
:class:`DerivedTable`:

- ``name``: the Iceberg table (same catalog and namespace as ``invocations``, folder
  ``<lake>/<name>``); readers plan it by name (``lake.location.DERIVED_TABLES``);
- ``schema``: its Arrow schema, which must have a non-null ``day`` DATE column (a day's
  rows are replaced together; every table is partitioned by month(``day``): one file per
  month, not per day, because readers pay per file: binding and opening 365 files a year
  cost DuckDB 7-30x more than 12 files of the same rows, measured on the 100M-request cube);
- ``source``: what the builder is given for ONE UTC day: ``"raw"`` (that day's raw rows,
  deduplicated by the readers' rule: a ``pa.Table`` with ``schema.INVOCATIONS_SCHEMA``'s
  columns), ``"hourly"`` (the day's hourly rollup) or ``"daily"`` (its daily rollup);
- ``build``: a pure function from that table to the day's rows (cast to ``schema`` on write;
  an empty result writes no file, so the day then has no row);
- ``build_in`` (optional, ``"raw"`` tables): the same rows computed in DuckDB from a
  connection whose relation ``invocations`` is the day's deduplicated raw rows (a view over
  its Parquet files). When given, the refresh calls it instead of ``build``: DuckDB streams
  the day's files rather than the refresh holding the day's raw rows as Arrow (~750 bytes a
  row with every column: 150 MB for a 200,000-request day);
- ``version``: compared with the table's ``bedrock_logbook.rollup_schema_version`` property:
  a table of another version is dropped and rebuilt (derived data is never migrated).

Adding a table is one entry, as ``DerivedTable(PROMPT_PAIRS_TABLE, PROMPT_PAIRS_SCHEMA,
"raw", build_prompt_pairs, version=…)`` below; the dirty days, commits, crash points, kill
healing, compact's expiry and orphan removal then apply to it unchanged.

Every snapshot records the raw snapshot it reflects (``lake.reading.ROLLUP_OF_PROPERTY``).
:func:`refresh_rollups` (after each ingest's raw commit, at the start of every run, and in
``compact`` before raw snapshots expire) brings each table from its ``rollup_of`` R to the
raw table's current snapshot S:

1. dirty days = days whose raw data files differ between R and S (every day when there is
   no such table yet, R is gone, or the table was built by another version), plus, when S
   may hold a request_id twice (the reader rule), every day holding a copy the readers drop;
2. each dirty day is built once from S's files of that day (the readers' copy of each
   request_id only): the hourly rollup (``build_rollup``), the daily one and the raw rows
   only when some dirty table's entry needs them, then each table's ``build``;
3. each table gets ONE overwrite snapshot replacing exactly its files of the months the
   dirty days fall in by one file per month: the month's other days copied from its old
   file(s), the dirty days' new rows, ordered by day. It carries ``rollup_of`` = S,
   operation ``rollup`` and the run id, in list order. R == S: nothing committed.

Crash points (``ingest/crash.py``): ``before_rollup_commit`` (files written, none committed),
``between_rollup_commits`` (the first table committed) and ``before_<name>_commit`` before
each further table's commit. A kill anywhere leaves R behind (or a later table one step
behind an earlier one); the
next refresh diffs each table from its own R and heals to exactly an uninterrupted run's
rows. Files written and never committed are orphans (``maintenance.remove_orphans`` over
the tables of :func:`load_rollup_tables`).

Concurrent writers (S3): a table is committed only when S descends from (or is) its
current ``rollup_of``; pyiceberg's own commit retry is off for these tables (a blind
re-apply could put an older rollup over a newer one), so a lost race reloads and decides
again. A rollup from S covers every day changed since the R it diffed against.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.crash import crash_point
from bedrock_logbook.ingest.prompt_pairs import (
    PROMPT_PAIRS_SCHEMA,
    PROMPT_PAIRS_SCHEMA_VERSION,
    build_prompt_pairs,
    build_prompt_pairs_in,
)
from bedrock_logbook.ingest.rollup import (
    build_rollup_in,
    connect,
    daily_rollup,
    models_rollup,
    sketches_rollup,
)
from bedrock_logbook.ingest.rollup_schema import (
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    ROLLUP_MODELS_SCHEMA,
    ROLLUP_MODELS_TABLE,
    ROLLUP_SCHEMA,
    ROLLUP_SCHEMA_VERSION,
    ROLLUP_SKETCHES_SCHEMA,
    ROLLUP_SKETCHES_TABLE,
)
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.tag_rollup import (
    TAG_ROLLUP_SCHEMA,
    TAG_ROLLUP_SCHEMA_VERSION,
    TAG_ROLLUP_TABLE,
    build_tag_rollup,
    build_tag_rollup_in,
)
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import (
    NAMESPACE,
    PROMPT_PAIRS_TABLE,
    TableError,
    TableLocation,
    file_uri,
    local_path,
)
from bedrock_logbook.lake.reading import (
    OPERATION_PROPERTY,
    ROLLUP,
    ROLLUP_OF_PROPERTY,
    RUN_ID_PROPERTY,
    duckdb_filesystem,
    table_needs_dedupe,
)

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table
    from pyiceberg.table.update.spec import UpdateSpec

Source = Literal["raw", "hourly", "daily"]


def _same(rows: pa.Table) -> pa.Table:
    return rows


@dataclass(frozen=True)
class DerivedTable:
    """One per-day derived table (see the module doc for each field)."""

    name: str
    schema: pa.Schema
    source: Source
    build: Callable[[pa.Table], pa.Table]
    version: int = ROLLUP_SCHEMA_VERSION
    build_in: Callable[[duckdb.DuckDBPyConnection], pa.Table] | None = None


DERIVED_TABLES: tuple[DerivedTable, ...] = (
    DerivedTable(ROLLUP_HOURLY_TABLE, ROLLUP_SCHEMA, "hourly", _same),
    DerivedTable(ROLLUP_DAILY_TABLE, ROLLUP_SCHEMA, "daily", _same),
    DerivedTable(ROLLUP_MODELS_TABLE, ROLLUP_MODELS_SCHEMA, "daily", models_rollup),
    DerivedTable(PROMPT_PAIRS_TABLE, PROMPT_PAIRS_SCHEMA, "raw", build_prompt_pairs,
                 build_in=build_prompt_pairs_in,
                 version=PROMPT_PAIRS_SCHEMA_VERSION),
    DerivedTable(TAG_ROLLUP_TABLE, TAG_ROLLUP_SCHEMA, "raw", build_tag_rollup,
                 build_in=build_tag_rollup_in, version=TAG_ROLLUP_SCHEMA_VERSION),
    DerivedTable(ROLLUP_SKETCHES_TABLE, ROLLUP_SKETCHES_SCHEMA, "daily", sketches_rollup),
)
ROLLUP_TABLES = tuple(t.name for t in DERIVED_TABLES)
ROLLUP_SCHEMA_VERSION_PROPERTY = "bedrock_logbook.rollup_schema_version"
# How a table's files are laid out; a table of another layout is rebuilt like one of another
# version ("month": partition month(day), one file per month).
ROLLUP_LAYOUT_PROPERTY = "bedrock_logbook.rollup_layout"
ROLLUP_LAYOUT = "month"
MONTH_FIELD = "day_month"  # the partition field's name (a folder data/day_month=YYYY-MM/)


def _table_properties(version: int) -> dict[str, str]:
    return {
        "format-version": "2",
        "write.parquet.compression-codec": "zstd",
        ROLLUP_SCHEMA_VERSION_PROPERTY: str(version),
        ROLLUP_LAYOUT_PROPERTY: ROLLUP_LAYOUT,
        # No blind re-apply of a commit that lost a race: the caller reloads and decides again.
        "commit.retry.num-retries": "0",
    }

_EPOCH = dt.date(1970, 1, 1)
_ATTEMPTS = 5
# What DuckDB may hold for one read of a day. Its grouping state grows with the day's
# distinct prompts and tags: a 1,000,000-request day took the refresh process to 543 MiB
# unbounded, 344 MiB with this limit (same time, 12.2 vs 12.6 s); beyond it DuckDB spills to
# a temp folder of the reader's own. An operator that cannot spill fails at the limit: that
# read runs again without one (64 MB failed so on the hourly rollup of that day).
DUCKDB_MEMORY_LIMIT = "128MB"


@dataclass
class RollupRefresh:
    """What one :func:`refresh_rollups` did."""

    raw_snapshot: int | None = None
    days: set[dt.date] = field(default_factory=set)  # days recomputed, either table
    commits: int = 0  # rollup snapshots committed (0, 1 or 2; more after lost races)


# ---------------------------------------------------------------- tables

def rollup_location(location: TableLocation, name: str) -> str:
    """``<lake>/<name>``: the rollup table's folder (a URI)."""
    root = location.lake if location.is_s3 else file_uri(Path(location.lake))
    return f"{root}/{name}"


def ensure_rollup_table(catalog: Catalog, location: TableLocation,
                        entry: DerivedTable | str) -> Table:
    """The derived table of ``entry`` (or of the entry named so), created on first use (two
    creators racing both get it). A table of another version or layout is dropped and
    created anew: derived data is rebuilt, never migrated (its old files become orphans)."""
    from pyiceberg.exceptions import (
        CommitFailedException,
        NamespaceAlreadyExistsError,
        NoSuchTableError,
        TableAlreadyExistsError,
    )
    if isinstance(entry, str):
        entry = next(t for t in DERIVED_TABLES if t.name == entry)
    name = entry.name
    identifier = (NAMESPACE, name)
    try:
        table = catalog.load_table(identifier)
        properties = table.metadata.properties
        if (properties.get(ROLLUP_SCHEMA_VERSION_PROPERTY) == str(entry.version)
                and properties.get(ROLLUP_LAYOUT_PROPERTY) == ROLLUP_LAYOUT):
            return table
        catalog.drop_table(identifier)
    except NoSuchTableError:
        pass
    try:
        catalog.create_namespace(NAMESPACE)
    except NamespaceAlreadyExistsError:
        pass
    except Exception:  # noqa: BLE001 - as table.ensure_table: a racing creator's unique key
        pass
    try:
        txn = catalog.create_table_transaction(
            identifier, schema=entry.schema, location=rollup_location(location, name),
            properties=_table_properties(entry.version))
        with txn.update_spec() as spec:
            partition_by_month(spec)
        txn.commit_transaction()
    except (TableAlreadyExistsError, CommitFailedException):
        pass  # another writer created it first: its table is the table
    return catalog.load_table(identifier)


def partition_by_month(spec: UpdateSpec) -> None:
    """A derived table's partition spec: month(day) (the module doc says why)."""
    from pyiceberg.transforms import MonthTransform

    spec.add_field("day", MonthTransform(), MONTH_FIELD)


def load_rollup_tables(location: TableLocation, catalog: Catalog | None = None,
                       tables: Sequence[DerivedTable] = DERIVED_TABLES) -> list[Table]:
    """The derived tables that exist (for expiry and orphan removal); none are created."""
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    catalog = catalog or open_catalog(location)
    found = []
    for name in (t.name for t in tables):
        try:
            found.append(catalog.load_table((NAMESPACE, name)))
        except (NoSuchTableError, NoSuchNamespaceError):
            continue
    return found


# ---------------------------------------------------------------- what is dirty

def _day(value: int | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else _EPOCH + dt.timedelta(days=int(value))


def _month(day: dt.date) -> int:
    """Iceberg's month(day) partition value: months since 1970-01."""
    return (day.year - 1970) * 12 + day.month - 1


def _files_by_day(table: Table, snapshot_id: int) -> dict[dt.date, set[str]]:
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    for task in table.scan(snapshot_id=snapshot_id).plan_files():
        if task.delete_files:  # as readers: a Parquet reader would count deleted rows
            raise TableError(f"{table.name()} has delete files; the rollups cannot be built "
                             "from its data files alone (rewrite it first)")
        by_day[_day(task.file.partition[0])].add(task.file.file_path)
    return dict(by_day)


def _rollup_of(table: Table) -> int | None:
    snapshot = table.current_snapshot()
    if snapshot is None or snapshot.summary is None:
        return None
    value = snapshot.summary.additional_properties.get(ROLLUP_OF_PROPERTY)
    return int(value) if value and value.isdigit() else None


def _ancestors(raw: Table, snapshot_id: int) -> list[int]:
    """``snapshot_id`` and its live ancestors, newest first."""
    out: list[int] = []
    at: int | None = snapshot_id
    while at is not None and at not in out:
        snapshot = raw.metadata.snapshot_by_id(at)
        if snapshot is None:
            break
        out.append(at)
        at = snapshot.parent_snapshot_id
    return out


@dataclass
class _Decision:
    skip: bool  # the rollup already reflects S or a newer snapshot
    days: set[dt.date] = field(default_factory=set)  # dirty days: rebuilt from raw rows
    months: set[int] = field(default_factory=set)  # months whose files are replaced
    keep_old: bool = True  # copy the replaced months' other days (False: rebuild all)


def _decide(raw: Table, rollup: Table, current: int, files_now: dict[dt.date, set[str]],
            dedupe_days: set[dt.date]) -> _Decision:
    r = _rollup_of(rollup)
    if r == current:
        return _Decision(True)
    if r is not None and raw.metadata.snapshot_by_id(r) is not None:
        if r not in _ancestors(raw, current):
            return _Decision(True)  # a newer raw snapshot's rollup
        before = _files_by_day(raw, r)
        days = {d for d in set(before) | set(files_now) if before.get(d) != files_now.get(d)}
        days |= dedupe_days
        return _Decision(False, days, {_month(d) for d in days})
    # No rollup yet, or its raw snapshot expired: every day, and every month it holds.
    days = set(files_now) | dedupe_days
    return _Decision(False, days, {_month(d) for d in days} | set(_rollup_files(rollup)),
                     keep_old=False)


def _rollup_files(rollup: Table) -> dict[int, list[DataFile]]:
    """The derived table's current data files by month (its partition value)."""
    by_month: dict[int, list[DataFile]] = defaultdict(list)
    if rollup.current_snapshot() is None:
        return {}
    for task in rollup.scan().plan_files():
        by_month[int(task.file.partition[0])].append(task.file)
    return dict(by_month)


# ---------------------------------------------------------------- building a day

def _glob_escape(path: str) -> str:
    """A path DuckDB's globbing matches only itself (as compact and queries do)."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


class _RawReader:
    """Reads the raw snapshot's files in DuckDB: one day at a time, without the copies of a
    request_id the readers drop (``raw_invocations.sql``'s order: ts, source, source_line;
    then file and row, as ``compact`` breaks ties).

    Each read opens its own one-thread DuckDB connection, held to ``DUCKDB_MEMORY_LIMIT``,
    and closes it: memory DuckDB's
    allocator keeps after a query (~45 MB after a 200,000-row day's rollup) goes back to the
    system only when its connection closes, so the refresh's peak is one query's, not the sum
    of a day's queries (it runs next to pyarrow and pyiceberg: in the ingest's process with one
    parse worker, else in the refresh's own process, ``rollup_process``)."""

    def __init__(self, location: TableLocation, files_by_day: dict[dt.date, set[str]],
                 dedupe: bool) -> None:
        self.location = location
        self.files_by_day = files_by_day
        self.losers = pa.table({"filename": pa.array([], pa.string()),
                                "file_row_number": pa.array([], pa.int64()),
                                "day": pa.array([], pa.date32())})
        self._spill: str | None = None  # DuckDB's temp folder, made on first use
        every = sorted(f for files in files_by_day.values() for f in files)
        if dedupe and every:
            try:
                self.losers = self._query(lambda con: self._losers(con, every))
            except BaseException:
                self.close()
                raise

    def _losers(self, con: duckdb.DuckDBPyConnection, every: list[str]) -> pa.Table:
        self._relation(con, every, "_all")
        return con.sql("""
            SELECT filename, file_row_number, CAST(ts AS DATE) AS day FROM _all
            WHERE request_id IN (SELECT request_id FROM _all GROUP BY request_id
                                 HAVING count(*) > 1)
            QUALIFY row_number() OVER (PARTITION BY request_id
                ORDER BY ts, source, source_line, filename, file_row_number) > 1
        """).to_arrow_table()

    def _query(self, run: Callable[[duckdb.DuckDBPyConnection], pa.Table]) -> pa.Table:
        """``run`` on a fresh connection held to ``DUCKDB_MEMORY_LIMIT``; once more without
        a limit if DuckDB runs out of memory there (an operator that cannot spill)."""
        try:
            return self._run_once(run, limited=True)
        except duckdb.OutOfMemoryException:
            return self._run_once(run, limited=False)

    def _run_once(self, run: Callable[[duckdb.DuckDBPyConnection], pa.Table],
                  limited: bool) -> pa.Table:
        con = self._connect(limited)
        try:
            return run(con)
        finally:
            con.close()

    def _connect(self, limited: bool) -> duckdb.DuckDBPyConnection:
        config: dict[str, str] = {}
        if limited:
            if self._spill is None:
                self._spill = tempfile.mkdtemp(prefix="bedrock-logbook-duckdb-")
            config = {"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": self._spill}
        con = connect(config)
        con.execute("SET allocator_flush_threshold = '1MB'")
        con.execute("SET allocator_bulk_deallocation_flush_threshold = '1MB'")
        # One thread's buffers. Two would take the reads of a 200,000-request day from 1.71 s
        # to 1.13 s, but the refresh process's peak from 299 to 334 MB (small-object bench).
        con.execute("SET threads = 1")
        if self.location.is_s3:
            con.register_filesystem(duckdb_filesystem(self.location))
        return con

    def _name(self, uri: str) -> str:
        return _glob_escape(uri if self.location.is_s3 else local_path(uri))

    def _relation(self, con: duckdb.DuckDBPyConnection, uris: list[str], view: str) -> None:
        relation = con.read_parquet([self._name(u) for u in uris], filename=True,
                                    file_row_number=True, union_by_name=True,
                                    hive_partitioning=False)
        relation.create_view(view, replace=True)

    def loser_days(self) -> set[dt.date]:
        return set(self.losers.column("day").unique().to_pylist())

    def _run(self, day: dt.date,
             build: Callable[[duckdb.DuckDBPyConnection], pa.Table]) -> pa.Table | None:
        """``build`` over a connection whose view ``invocations`` is the day's raw rows the
        readers keep (None: the day has none)."""
        files = sorted(self.files_by_day.get(day, ()))
        if not files:
            return None

        def run(con: duckdb.DuckDBPyConnection) -> pa.Table:
            self._relation(con, files, "_day")
            con.register("_shape", INVOCATIONS_SCHEMA.empty_table())
            con.register("losers", self.losers)
            # Columns a migrated file predates come back NULL, typed as the lake schema says.
            con.execute("""
                CREATE OR REPLACE TEMP VIEW invocations AS
                SELECT * FROM _shape
                UNION ALL BY NAME
                SELECT * EXCLUDE (filename, file_row_number) FROM _day
                ANTI JOIN losers USING (filename, file_row_number)
            """)
            return build(con)

        return self._query(run)

    def build_in(self, day: dt.date,
                 build: Callable[[duckdb.DuckDBPyConnection], pa.Table]) -> pa.Table | None:
        """``build`` run over the day's raw rows the readers keep (None: the day has none)."""
        return self._run(day, build)

    def hourly(self, day: dt.date) -> pa.Table:
        """The hourly rollup of the day's raw rows (empty when the day has none)."""
        rows = self._run(day, build_rollup_in)
        return ROLLUP_SCHEMA.empty_table() if rows is None else rows

    def raw(self, day: dt.date) -> pa.Table:
        """The day's raw rows the readers keep, with INVOCATIONS_SCHEMA's columns."""
        names = ", ".join(f'"{n}"' for n in INVOCATIONS_SCHEMA.names)  # the schema's names
        rows = self._run(day, lambda con: con.sql(
            f"SELECT {names} FROM invocations").to_arrow_table())  # noqa: S608
        return INVOCATIONS_SCHEMA.empty_table() if rows is None else rows.cast(
            INVOCATIONS_SCHEMA)

    def close(self) -> None:
        """Each read closes its connection; what is left is DuckDB's temp folder."""
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None


class _Day:
    """One dirty day's inputs, each built once and only when an entry asks for it."""

    def __init__(self, reader: _RawReader, day: dt.date) -> None:
        self.reader, self.day = reader, day
        self._cache: dict[Source, pa.Table] = {}

    def rows(self, source: Source) -> pa.Table:
        if source not in self._cache:
            if source == "raw":
                self._cache[source] = self.reader.raw(self.day)
            elif source == "hourly":
                self._cache[source] = self.reader.hourly(self.day)
            else:
                hourly = self.rows("hourly")
                self._cache[source] = daily_rollup(hourly) if hourly.num_rows else hourly
        return self._cache[source]


def _file_schema(table: Table) -> pa.Schema:
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    return schema_to_pyarrow(table.schema(), include_field_ids=True)


def _write_file(table: Table, schema: pa.Schema, month: int, rows: pa.Table, run_id: str,
                token: str) -> str:
    """One month's rows (already in the table's ``schema``, :func:`_file_schema`)."""
    year, index = divmod(month, 12)
    path = (f"{table.metadata.location.rstrip('/')}/data/{MONTH_FIELD}="
            f"{1970 + year:04d}-{index + 1:02d}/{run_id}-{token}-00000.parquet")
    with table.io.new_output(path).create(overwrite=True) as stream:
        with pq.ParquetWriter(stream, schema, compression="zstd") as writer:
            writer.write_table(rows)
    return path


def _kept_rows(table: Table, schema: pa.Schema, files: Iterable[DataFile],
               dirty: set[dt.date]) -> pa.Table:
    """The rows of a month's current files whose day is not rebuilt."""
    import pyarrow.compute as pc

    parts = [schema.empty_table()]
    days = pa.array(sorted(dirty), pa.date32())
    for data_file in files:
        with table.io.new_input(data_file.file_path).open() as stream:
            rows = pq.read_table(stream).cast(schema)
        if dirty:
            rows = rows.filter(pc.invert(pc.is_in(rows.column("day"), value_set=days)))
        parts.append(rows)
    return pa.concat_tables(parts)


def _commit(table: Table, decision: _Decision, new_files: list[str], current: int,
            run_id: str) -> None:
    """Replace the table's files of the dirty months by ``new_files`` in ONE snapshot.
    Raises CommitFailedException when another writer committed to it first."""
    from pyiceberg.io.pyarrow import parquet_file_to_data_file

    added = [parquet_file_to_data_file(table.io, table.metadata, p) for p in new_files]
    old = _rollup_files(table)
    properties = {ROLLUP_OF_PROPERTY: str(current), OPERATION_PROPERTY: ROLLUP,
                  RUN_ID_PROPERTY: run_id}
    with table.transaction() as txn:
        with txn.update_snapshot(snapshot_properties=properties).overwrite() as overwrite:
            for month in sorted(decision.months):
                for data_file in old.get(month, ()):
                    overwrite.delete_data_file(data_file)
            for data_file in added:
                overwrite.append_data_file(data_file)


# ---------------------------------------------------------------- the refresh

def rollups_in_sync(location: TableLocation, raw: Table, catalog: Catalog | None = None,
                    entries: Sequence[DerivedTable] = DERIVED_TABLES) -> bool:
    """True when :func:`refresh_rollups` would do nothing: every table exists with its
    version and layout and reflects the raw table's current snapshot (or that has none).
    Creates nothing; lets a caller skip starting a process for the refresh."""
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    raw.refresh()
    head = raw.current_snapshot()
    if head is None:
        return True
    catalog = catalog or open_catalog(location)
    for entry in entries:
        try:
            table = catalog.load_table((NAMESPACE, entry.name))
        except (NoSuchTableError, NoSuchNamespaceError):
            return False
        properties = table.metadata.properties
        if (properties.get(ROLLUP_SCHEMA_VERSION_PROPERTY) != str(entry.version)
                or properties.get(ROLLUP_LAYOUT_PROPERTY) != ROLLUP_LAYOUT
                or _rollup_of(table) != head.snapshot_id):
            return False
    return True


def refresh_rollups(location: TableLocation, raw: Table, run_id: str,
                    catalog: Catalog | None = None,
                    entries: Sequence[DerivedTable] = DERIVED_TABLES) -> RollupRefresh:
    """Bring every derived table to the raw table's current snapshot (see the module doc)."""
    from pyiceberg.exceptions import CommitFailedException

    raw.refresh()
    done = RollupRefresh()
    head = raw.current_snapshot()
    if head is None:
        return done
    current = done.raw_snapshot = head.snapshot_id
    catalog = catalog or open_catalog(location)
    tables = [ensure_rollup_table(catalog, location, entry) for entry in entries]
    by_name = {t.name(): e for t, e in zip(tables, entries, strict=True)}
    if all(_rollup_of(t) == current for t in tables):
        return done  # in sync: nothing planned, nothing read
    files_now = _files_by_day(raw, current)
    # Everything read from the raw table is S's (a retry after a lost race still rolls up S).
    reader = _RawReader(location, files_now, table_needs_dedupe(raw))
    loser_days = reader.loser_days()
    try:
        for _ in range(_ATTEMPTS):
            decisions = [_decide(raw, t, current, files_now, loser_days) for t in tables]
            pending = [(t, d) for t, d in zip(tables, decisions, strict=True) if not d.skip]
            if not pending:
                return done
            written = _write_days(reader, pending, by_name, run_id)
            crash_point("before_rollup_commit")
            lost = False
            for i, (table, decision) in enumerate(pending):
                if i:  # a kill between two tables' commits (the first pair, and each one)
                    if i == 1:
                        crash_point("between_rollup_commits")
                    crash_point(f"before_{table.name()[-1]}_commit")
                try:
                    _commit(table, decision, written[table.name()], current, run_id)
                except CommitFailedException:
                    for path in written[table.name()]:
                        table.io.delete(path)
                    lost = True
                    continue
                done.commits += 1
                done.days |= decision.days
            if not lost:
                return done
            for table in tables:  # another writer committed: read its rollup_of again
                table.refresh()
            raw.refresh()
        raise CommitFailedException(f"rollups lost {_ATTEMPTS} commit races in a row")
    finally:
        reader.close()


def _write_days(reader: _RawReader, pending: Iterable[tuple[Table, _Decision]],
                by_name: dict[Any, DerivedTable], run_id: str) -> dict[Any, list[str]]:
    """Each pending table's files for its dirty months, one per month that keeps a row: the
    month's other days from its current files, then each dirty day's rows (a day without
    raw rows gets none), in day order. Each day's inputs are built once for every table,
    and one month is held at a time."""
    pending = list(pending)
    written: dict[Any, list[str]] = {t.name(): [] for t, _ in pending}
    token = secrets.token_hex(4)
    days = sorted(set().union(*(d.days for _, d in pending)))
    months = sorted(set().union(*(d.months for _, d in pending)))
    current = {t.name(): _rollup_files(t) if d.keep_old else {} for t, d in pending}
    schemas = {t.name(): _file_schema(t) for t, _ in pending}
    for month in months:
        new_rows: dict[Any, list[pa.Table]] = {t.name(): [] for t, _ in pending}
        for day in (d for d in days if _month(d) == month):
            inputs = _Day(reader, day)
            if not inputs.rows("hourly").num_rows:
                continue  # no raw row left that day: every table drops the day
            for table, decision in pending:
                if day not in decision.days:
                    continue
                entry = by_name[table.name()]
                if entry.source == "raw" and entry.build_in is not None:
                    built = reader.build_in(day, entry.build_in)
                else:
                    built = entry.build(inputs.rows(entry.source))
                if built is not None and built.num_rows:
                    new_rows[table.name()].append(built.cast(schemas[table.name()]))
        for table, decision in pending:
            if month not in decision.months:
                continue
            old = current[table.name()].get(month, [])
            schema = schemas[table.name()]
            rows = pa.concat_tables([_kept_rows(table, schema, old, decision.days),
                                     *new_rows[table.name()]])
            if rows.num_rows:
                rows = rows.sort_by("day")  # a stable sort: each day's rows keep their order
                path = _write_file(table, schema, month, rows, run_id, token)
                written[table.name()].append(path)
    return written
