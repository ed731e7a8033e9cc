"""Keep the per-day derived tables (the rollups) consistent with the invocations table.

The tables are listed once, in :data:`DERIVED_TABLES` (today ``rollup_hourly``,
``rollup_daily``, the model cube ``rollup_daily_models`` and the same-day prompt pairs
``prompt_pairs_daily``, ingest/prompt_pairs.py). Each entry is a
:class:`DerivedTable`:

- ``name``: the Iceberg table (same catalog and namespace as ``invocations``, folder
  ``<lake>/<name>``); readers plan it by name (``lake.location.DERIVED_TABLES``);
- ``schema``: its Arrow schema, which must have a non-null ``day`` DATE column (every table
  is partitioned by identity(``day``), and a day's rows are replaced together);
- ``source``: what the builder is given for ONE UTC day: ``"raw"`` (that day's raw rows,
  deduplicated by the readers' rule: a ``pa.Table`` with ``schema.INVOCATIONS_SCHEMA``'s
  columns), ``"hourly"`` (the day's hourly rollup) or ``"daily"`` (its daily rollup);
- ``build``: a pure function from that table to the day's rows (cast to ``schema`` on write;
  an empty result writes no file, so the day then has no row);
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
3. each table gets ONE overwrite snapshot replacing exactly its files of the dirty days,
   carrying ``rollup_of`` = S, operation ``rollup`` and the run id, in list order. R == S:
   nothing committed.

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
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.crash import crash_point
from bedrock_logbook.ingest.prompt_pairs import (
    PROMPT_PAIRS_SCHEMA,
    PROMPT_PAIRS_SCHEMA_VERSION,
    build_prompt_pairs,
)
from bedrock_logbook.ingest.rollup import build_rollup_in, connect, daily_rollup, models_rollup
from bedrock_logbook.ingest.rollup_schema import (
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    ROLLUP_MODELS_SCHEMA,
    ROLLUP_MODELS_TABLE,
    ROLLUP_SCHEMA,
    ROLLUP_SCHEMA_VERSION,
)
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.tag_rollup import (
    TAG_ROLLUP_SCHEMA,
    TAG_ROLLUP_SCHEMA_VERSION,
    TAG_ROLLUP_TABLE,
    build_tag_rollup,
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


DERIVED_TABLES: tuple[DerivedTable, ...] = (
    DerivedTable(ROLLUP_HOURLY_TABLE, ROLLUP_SCHEMA, "hourly", _same),
    DerivedTable(ROLLUP_DAILY_TABLE, ROLLUP_SCHEMA, "daily", _same),
    DerivedTable(ROLLUP_MODELS_TABLE, ROLLUP_MODELS_SCHEMA, "daily", models_rollup),
    DerivedTable(PROMPT_PAIRS_TABLE, PROMPT_PAIRS_SCHEMA, "raw", build_prompt_pairs,
                 version=PROMPT_PAIRS_SCHEMA_VERSION),
    DerivedTable(TAG_ROLLUP_TABLE, TAG_ROLLUP_SCHEMA, "raw", build_tag_rollup,
                 version=TAG_ROLLUP_SCHEMA_VERSION),
)
ROLLUP_TABLES = tuple(t.name for t in DERIVED_TABLES)
ROLLUP_SCHEMA_VERSION_PROPERTY = "bedrock_logbook.rollup_schema_version"


def _table_properties(version: int) -> dict[str, str]:
    return {
        "format-version": "2",
        "write.parquet.compression-codec": "zstd",
        ROLLUP_SCHEMA_VERSION_PROPERTY: str(version),
        # No blind re-apply of a commit that lost a race: the caller reloads and decides again.
        "commit.retry.num-retries": "0",
    }

_EPOCH = dt.date(1970, 1, 1)
_ATTEMPTS = 5


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
    creators racing both get it). A table of another version is dropped and created anew:
    derived data is rebuilt, never migrated (its old files become orphans)."""
    from pyiceberg.exceptions import (
        CommitFailedException,
        NamespaceAlreadyExistsError,
        NoSuchTableError,
        TableAlreadyExistsError,
    )
    from pyiceberg.transforms import IdentityTransform

    if isinstance(entry, str):
        entry = next(t for t in DERIVED_TABLES if t.name == entry)
    name = entry.name
    identifier = (NAMESPACE, name)
    try:
        table = catalog.load_table(identifier)
        if table.metadata.properties.get(ROLLUP_SCHEMA_VERSION_PROPERTY) == str(
                entry.version):
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
            spec.add_field("day", IdentityTransform(), "day")
        txn.commit_transaction()
    except (TableAlreadyExistsError, CommitFailedException):
        pass  # another writer created it first: its table is the table
    return catalog.load_table(identifier)


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
    days: set[dt.date] = field(default_factory=set)


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
    else:  # no rollup yet, or its raw snapshot expired: every day, and every day it holds
        days = set(files_now) | set(_rollup_files(rollup))
    return _Decision(False, days | dedupe_days)


def _rollup_files(rollup: Table) -> dict[dt.date, list[DataFile]]:
    by_day: dict[dt.date, list[DataFile]] = defaultdict(list)
    if rollup.current_snapshot() is None:
        return {}
    for task in rollup.scan().plan_files():
        by_day[_day(task.file.partition[0])].append(task.file)
    return dict(by_day)


# ---------------------------------------------------------------- building a day

def _glob_escape(path: str) -> str:
    """A path DuckDB's globbing matches only itself (as compact and queries do)."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


class _RawReader:
    """Reads the raw snapshot's files in DuckDB: one day at a time, without the copies of a
    request_id the readers drop (``raw_invocations.sql``'s order: ts, source, source_line;
    then file and row, as ``compact`` breaks ties)."""

    def __init__(self, location: TableLocation, files_by_day: dict[dt.date, set[str]],
                 dedupe: bool) -> None:
        self.con = connect()
        self.con.execute("SET threads = 2")
        if location.is_s3:
            self.con.register_filesystem(duckdb_filesystem(location))
        self.is_s3 = location.is_s3
        self.files_by_day = files_by_day
        self.con.register("_shape", INVOCATIONS_SCHEMA.empty_table())
        self.con.execute("CREATE TEMP TABLE losers (filename VARCHAR, file_row_number BIGINT, "
                         "day DATE)")
        every = sorted(f for files in files_by_day.values() for f in files)
        if dedupe and every:
            self._relation(every, "_all")
            self.con.execute("""
                INSERT INTO losers
                SELECT filename, file_row_number, CAST(ts AS DATE) FROM _all
                WHERE request_id IN (SELECT request_id FROM _all GROUP BY request_id
                                     HAVING count(*) > 1)
                QUALIFY row_number() OVER (PARTITION BY request_id
                    ORDER BY ts, source, source_line, filename, file_row_number) > 1
            """)

    def _name(self, uri: str) -> str:
        return _glob_escape(uri if self.is_s3 else local_path(uri))

    def _relation(self, uris: list[str], view: str) -> None:
        relation = self.con.read_parquet([self._name(u) for u in uris], filename=True,
                                         file_row_number=True, union_by_name=True,
                                         hive_partitioning=False)
        relation.create_view(view, replace=True)

    def loser_days(self) -> set[dt.date]:
        return {row[0] for row in self.con.execute(
            "SELECT DISTINCT day FROM losers").fetchall()}

    def _day_view(self, day: dt.date) -> bool:
        """View ``invocations`` = the day's raw rows the readers keep (False: none)."""
        files = sorted(self.files_by_day.get(day, ()))
        if not files:
            return False
        self._relation(files, "_day")
        # Columns a migrated file predates come back NULL, typed as the lake schema says.
        self.con.execute("""
            CREATE OR REPLACE TEMP VIEW invocations AS
            SELECT * FROM _shape
            UNION ALL BY NAME
            SELECT * EXCLUDE (filename, file_row_number) FROM _day
            ANTI JOIN losers USING (filename, file_row_number)
        """)
        return True

    def hourly(self, day: dt.date) -> pa.Table:
        """The hourly rollup of the day's raw rows (empty when the day has none)."""
        if not self._day_view(day):
            return ROLLUP_SCHEMA.empty_table()
        return build_rollup_in(self.con)

    def raw(self, day: dt.date) -> pa.Table:
        """The day's raw rows the readers keep, with INVOCATIONS_SCHEMA's columns."""
        if not self._day_view(day):
            return INVOCATIONS_SCHEMA.empty_table()
        names = ", ".join(f'"{n}"' for n in INVOCATIONS_SCHEMA.names)  # the schema's names
        rows = self.con.sql(f"SELECT {names} FROM invocations").to_arrow_table()  # noqa: S608
        return rows.cast(INVOCATIONS_SCHEMA)

    def close(self) -> None:
        self.con.close()


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


def _write_file(table: Table, day: dt.date, rows: pa.Table, run_id: str, token: str) -> str:
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    schema = schema_to_pyarrow(table.schema(), include_field_ids=True)
    path = (f"{table.metadata.location.rstrip('/')}/data/day={day.isoformat()}/"
            f"{run_id}-{token}-00000.parquet")
    with table.io.new_output(path).create(overwrite=True) as stream:
        with pq.ParquetWriter(stream, schema, compression="zstd") as writer:
            writer.write_table(rows.cast(schema))
    return path


def _commit(table: Table, decision: _Decision, new_files: list[str], current: int,
            run_id: str) -> None:
    """Replace the table's files of the dirty days by ``new_files`` in ONE snapshot.
    Raises CommitFailedException when another writer committed to it first."""
    from pyiceberg.io.pyarrow import parquet_file_to_data_file

    added = [parquet_file_to_data_file(table.io, table.metadata, p) for p in new_files]
    old = _rollup_files(table)
    properties = {ROLLUP_OF_PROPERTY: str(current), OPERATION_PROPERTY: ROLLUP,
                  RUN_ID_PROPERTY: run_id}
    with table.transaction() as txn:
        with txn.update_snapshot(snapshot_properties=properties).overwrite() as overwrite:
            for day in sorted(decision.days):
                for data_file in old.get(day, ()):
                    overwrite.delete_data_file(data_file)
            for data_file in added:
                overwrite.append_data_file(data_file)


# ---------------------------------------------------------------- the refresh

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
    """Each pending table's files for its dirty days (a day without raw rows gets none),
    building each day's inputs once for every table."""
    pending = list(pending)
    written: dict[Any, list[str]] = {t.name(): [] for t, _ in pending}
    token = secrets.token_hex(4)
    days = sorted(set().union(*(d.days for _, d in pending)))
    for day in days:
        inputs = _Day(reader, day)
        if not inputs.rows("hourly").num_rows:
            continue  # no raw row left that day: every table drops the day
        for table, decision in pending:
            if day not in decision.days:
                continue
            entry = by_name[table.name()]
            rows = entry.build(inputs.rows(entry.source))
            if rows.num_rows:
                written[table.name()].append(_write_file(table, day, rows, run_id, token))
    return written
