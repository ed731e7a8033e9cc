"""Compact the invocations table: per day, small files into large ones, duplicates out, in ONE
snapshot; then expire old snapshots and delete unreferenced files (``maintenance``).

What is rewritten (the *plan*, read from one snapshot, the *base*):

- per ``day(ts)`` partition, its small files (under 3/4 of the target size) when it has two or
  more, so a day already compacted into large files is not rewritten every night;
- every file holding a duplicate request ID to drop. When the base is not a clean state
  (``maintenance.dedupe_chain``: a writer committed on a snapshot other than the one it
  deduped against, or history without our properties), the whole table's request IDs are
  scanned (DuckDB over the base's files, request_id/ts/source/source_line only) and each
  request ID keeps one copy: the first by ``ts, source, source_line`` (the readers' order),
  ties broken by file path and row position so the choice is deterministic. A request ID in
  two days keeps one copy too.

The commit replaces exactly the files read (``delete_data_file``/``append_data_file``, not a
partition predicate), so a file another ingest appends to the same day meanwhile survives:
pyiceberg re-applies the overwrite on the new head and checks that the replaced files still
exist (snapshot isolation; the table property ``write.delete.isolation-level=snapshot`` is set
on first compaction because pyiceberg's default, serializable, rejects any concurrent append).
The snapshot carries ``bedrock_logbook.operation=compact``, ``run_id`` and ``deduped_against``
= the base: if nothing was committed in between, parent == deduped_against and readers may
take the table as free of duplicates (a clean reset). A dirty base with nothing to rewrite
still gets an (empty) compact snapshot, to record that reset; so does a clean table whose
newest reset's parent is due to expire (``maintenance.reset_due``).

Output files are written by Arrow's Parquet writer, streaming (bounded memory): row groups of
:data:`ROW_GROUP_ROWS` rows (or ``write.parquet.row-group-limit``) capped at :data:`ROW_GROUP_BYTES`
of Arrow memory (``write.parquet.row-group-size-bytes``), a new file once one passes
:data:`TARGET_FILE_BYTES` on disk (or ``write.target-file-size-bytes``), zstd, Iceberg field
IDs in the schema. Names and bytes depend only on the files read (their paths, in order), so
compacting the same files again writes the same files.

Kill safety: files are written before the commit; a run killed before it leaves the table at
the base and its files as orphans, which the next compaction (or ingest, on a local lake)
deletes; killed after it, the next run only has expiry and orphans left to do.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.crash import crash_point
from bedrock_logbook.ingest.lake import fsync_dir, write_bytes_atomic
from bedrock_logbook.ingest.maintenance import (
    DEDUPED_AGAINST,
    LOCAL_ORPHAN_GRACE,
    NO_SNAPSHOT,
    OPERATION,
    RUN_ID,
    S3_ORPHAN_GRACE,
    SNAPSHOT_RETENTION,
    dedupe_chain,
    expire_snapshots,
    path_key,
    remove_orphans,
    reset_due,
)
from bedrock_logbook.ingest.rollup_tables import load_rollup_tables, refresh_rollups
from bedrock_logbook.ingest.schema import RUNS_DIR
from bedrock_logbook.lake.location import TableError, TableLocation, local_path

if TYPE_CHECKING:
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table

TARGET_FILE_BYTES = 128 * 2**20
# Row groups: engines (Athena, Trino, Spark) split work per row group and read each with one
# request per column chunk; the ingest writer's 32,768-row groups (~1 MB) cost a request per
# few KB. 1,048,576 rows is pyiceberg's own default row-group limit...
ROW_GROUP_ROWS = 1_048_576
# ...but a group closes sooner once it holds this much Arrow memory, which bounds
# compaction's memory (one group buffered). Measured on sample rows without bodies: ~880 B a
# row in memory, ~65 B on disk: ~150,000-row groups of ~10 MB. Iceberg's property of that
# name means on-disk bytes; as pyiceberg does, in-memory size stands in for it.
ROW_GROUP_BYTES = 128 * 2**20
SMALL_FILE_FRACTION = 0.75
ISOLATION_PROPERTY = "write.delete.isolation-level"
TARGET_SIZE_PROPERTY = "write.target-file-size-bytes"
ROW_GROUP_PROPERTY = "write.parquet.row-group-limit"
ROW_GROUP_BYTES_PROPERTY = "write.parquet.row-group-size-bytes"
COMPRESSION_PROPERTY = "write.parquet.compression-codec"
COMPRESSION_LEVEL_PROPERTY = "write.parquet.compression-level"


class CompactConflict(TableError):
    """Another writer replaced or deleted files this compaction read: nothing was committed."""


@dataclass
class CompactSummary:
    files_before: int = 0
    files_after: int = 0
    partitions: int = 0  # day partitions rewritten
    files_rewritten: int = 0
    files_written: int = 0
    rows: int = 0  # rows in the table after compaction (as of its base plus what it wrote)
    rows_rewritten: int = 0
    duplicates_dropped: int = 0
    snapshot_id: int | None = None
    clean_reset: bool = False
    snapshots_expired: int = 0
    orphans_removed: int = 0
    orphan_bytes: int = 0
    orphans_too_young: int = 0
    run_records_merged: int = 0
    rollup_days: int = 0  # days whose rollup rows were recomputed

    def line(self) -> str:
        committed = ("nothing committed" if self.snapshot_id is None
                     else f"snapshot {self.snapshot_id}")
        return (f"compact: {self.files_before} files -> {self.files_after} "
                f"({self.partitions} days rewritten), {self.rows} rows, "
                f"{self.duplicates_dropped} duplicates dropped, {committed}; "
                f"rollups of {self.rollup_days} days refreshed; "
                f"{self.snapshots_expired} snapshots expired, {self.orphans_removed} orphan "
                f"files removed ({self.orphan_bytes / 2**20:.1f} MiB)")


@dataclass
class Group:
    """One day partition's files to rewrite, in path order."""

    partition: str  # e.g. ts_day=2026-11-02
    files: list[DataFile]


@dataclass
class CompactPlan:
    base: int | None  # snapshot id the plan was read from
    clean: bool  # the base was free of duplicates by the readers' rule
    files_before: int
    rows_before: int
    groups: list[Group] = field(default_factory=list)
    drop: dict[str, set[int]] = field(default_factory=dict)  # file path -> row positions

    @property
    def commits(self) -> bool:
        return bool(self.groups) or (self.base is not None and not self.clean)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + os.urandom(2).hex()


def _int_property(table: Table, name: str, default: int) -> int:
    value = table.metadata.properties.get(name)
    return int(value) if value else default


def ensure_snapshot_isolation(table: Table) -> None:
    """Let a compaction commit over concurrent appends (see module docstring). A metadata
    commit, no snapshot; a lost race is retried on the refreshed table."""
    from pyiceberg.exceptions import CommitFailedException

    for attempt in range(5):
        if table.metadata.properties.get(ISOLATION_PROPERTY) == "snapshot":
            return
        try:
            with table.transaction() as txn:
                txn.set_properties({ISOLATION_PROPERTY: "snapshot"})
            return
        except CommitFailedException:
            if attempt == 4:
                raise
            table.refresh()


def _glob_escape(path: str) -> str:
    """A path DuckDB's globbing matches only itself (``[`` -> ``[[]``), as queries does."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _duplicates(location: TableLocation, files: list[str]) -> dict[str, set[int]]:
    """Rows to drop so each request ID keeps one copy: file path -> row positions."""
    import duckdb

    from bedrock_logbook.lake.reading import duckdb_filesystem

    con = duckdb.connect()
    con.execute("SET threads = 2")
    if location.is_s3:
        con.register_filesystem(duckdb_filesystem(location))
    # DuckDB globs each name (checked: 'a[1]/f.parquet' read 'a1/f.parquet'), so escape them;
    # ``filename`` gives back the real path.
    readable = {(f if location.is_s3 else local_path(f)): f for f in files}
    rows = con.execute(
        """
        WITH ids AS (
            SELECT request_id, ts, source, source_line, filename, file_row_number
            FROM read_parquet($files, filename = true, file_row_number = true,
                              union_by_name = true, hive_partitioning = false)
        ), repeated AS (
            SELECT request_id FROM ids GROUP BY request_id HAVING count(*) > 1
        )
        SELECT filename, file_row_number FROM ids SEMI JOIN repeated USING (request_id)
        QUALIFY row_number() OVER (PARTITION BY request_id
                                   ORDER BY ts, source, source_line, filename,
                                            file_row_number) > 1
        """, {"files": [_glob_escape(name) for name in sorted(readable)]}).fetchall()
    con.close()
    drop: dict[str, set[int]] = defaultdict(set)
    for name, position in rows:
        drop[readable[name]].add(int(position))
    return dict(drop)


def plan_compaction(table: Table, location: TableLocation, *,
                    target_bytes: int | None = None) -> CompactPlan:
    """What to rewrite, read from the table's current snapshot (the base)."""
    ensure_snapshot_isolation(table)
    snapshot = table.current_snapshot()
    if snapshot is None:
        return CompactPlan(None, True, 0, 0)
    target = target_bytes or _int_property(table, TARGET_SIZE_PROPERTY, TARGET_FILE_BYTES)
    files: list[DataFile] = []
    for task in table.scan(snapshot_id=snapshot.snapshot_id).plan_files():
        if task.delete_files:
            raise TableError(f"{table.name()} has delete files, which compact does not "
                             "apply; rewrite the table with an engine that does")
        files.append(task.file)
    clean, _ = dedupe_chain(table)
    drop = {} if clean else _duplicates(location, [f.file_path for f in files])
    by_day: dict[str, list[DataFile]] = defaultdict(list)
    for f in files:
        spec = table.specs()[f.spec_id]
        by_day[spec.partition_to_path(f.partition, table.schema())].append(f)
    plan = CompactPlan(snapshot.snapshot_id, clean, len(files),
                       sum(f.record_count for f in files), drop=drop)
    for day in sorted(by_day):
        day_files = sorted(by_day[day], key=lambda f: f.file_path)
        small = [f for f in day_files if f.file_size_in_bytes < SMALL_FILE_FRACTION * target]
        chosen = {f.file_path for f in small} if len(small) > 1 else set()
        chosen |= {f.file_path for f in day_files if f.file_path in drop}
        if chosen:
            plan.groups.append(Group(day, [f for f in day_files if f.file_path in chosen]))
    return plan


def _conformed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """A batch read from any of the table's files as the table's Arrow schema (columns by
    name; a column a migrated hive file predates comes back NULL)."""
    columns = []
    for f in schema:
        if f.name in batch.schema.names:
            columns.append(batch.column(f.name).cast(f.type))
        else:
            columns.append(pa.nulls(batch.num_rows, f.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _group_rows(table: Table, group: Group, drop: dict[str, set[int]], schema: pa.Schema,
                summary: CompactSummary) -> Iterator[pa.RecordBatch]:
    for data_file in group.files:
        dropped = drop.get(data_file.file_path, set())
        with table.io.new_input(data_file.file_path).open() as stream:
            position = 0
            for batch in pq.ParquetFile(stream).iter_batches(batch_size=65_536):
                out = _conformed(batch, schema)
                if dropped:
                    keep = [i for i in range(out.num_rows) if position + i not in dropped]
                    summary.duplicates_dropped += out.num_rows - len(keep)
                    out = out.take(pa.array(keep, type=pa.int64()))
                position += batch.num_rows
                summary.rows_rewritten += out.num_rows
                if out.num_rows:
                    yield out


def _rechunked(batches: Iterator[pa.RecordBatch], rows: int, max_bytes: int
               ) -> Iterator[pa.Table]:
    """Row groups of ``rows`` rows, or fewer once they hold ``max_bytes`` of Arrow memory
    (rows kept with their prompt and response bodies are large)."""
    pending: list[pa.RecordBatch] = []
    count = size = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        size += batch.nbytes
        while count >= rows:
            buffered = pa.Table.from_batches(pending)
            yield buffered.slice(0, rows)
            rest = buffered.slice(rows)
            pending, count, size = rest.to_batches(), rest.num_rows, rest.nbytes
        if size >= max_bytes:
            yield pa.Table.from_batches(pending)
            pending, count, size = [], 0, 0
    if count:
        yield pa.Table.from_batches(pending)


def write_group(table: Table, group: Group, drop: dict[str, set[int]],
                summary: CompactSummary, *, target_bytes: int | None = None,
                row_group_rows: int | None = None) -> list[str]:
    """Write one day's rows (duplicates dropped) into files of about the target size; their
    paths. The names come from a digest of the files read, so a rerun writes the same ones."""
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    target = target_bytes or _int_property(table, TARGET_SIZE_PROPERTY, TARGET_FILE_BYTES)
    rg_rows = row_group_rows or _int_property(table, ROW_GROUP_PROPERTY, ROW_GROUP_ROWS)
    rg_bytes = _int_property(table, ROW_GROUP_BYTES_PROPERTY, ROW_GROUP_BYTES)
    props = table.metadata.properties
    compression = props.get(COMPRESSION_PROPERTY, "zstd")
    level = props.get(COMPRESSION_LEVEL_PROPERTY)
    schema = schema_to_pyarrow(table.schema(), include_field_ids=True)
    digest = hashlib.sha256("\n".join(f.file_path for f in group.files).encode()).hexdigest()
    folder = f"{table.metadata.location.rstrip('/')}/data/{group.partition}"
    written: list[str] = []
    writer: pq.ParquetWriter | None = None
    stream: Any = None

    def close() -> None:
        nonlocal writer, stream
        if writer is not None:
            writer.close()
            stream.close()
            writer = stream = None

    for chunk in _rechunked(_group_rows(table, group, drop, schema, summary), rg_rows,
                            rg_bytes):
        if writer is None:
            path = f"{folder}/compact-{digest[:32]}-{len(written):05d}.parquet"
            stream = table.io.new_output(path).create(overwrite=True)
            writer = pq.ParquetWriter(stream, schema, compression=compression,
                                      compression_level=int(level) if level else None)
            written.append(path)
        writer.write_table(chunk, row_group_size=rg_rows)
        if stream.tell() >= target:
            close()
    close()
    return written


def commit_plan(table: Table, plan: CompactPlan, new_files: list[str], run_id: str) -> int:
    """Replace exactly the planned files by ``new_files`` in one snapshot; its id.

    ``table`` must still be the object the plan was read from (not refreshed), so that a
    commit landing in between is detected and the overwrite re-applied on top of it.
    """
    from pyiceberg.exceptions import CommitFailedException, ValidationException
    from pyiceberg.io.pyarrow import parquet_file_to_data_file

    added = [parquet_file_to_data_file(table.io, table.metadata, p) for p in new_files]
    properties = {OPERATION: "compact", RUN_ID: run_id,
                  DEDUPED_AGAINST: NO_SNAPSHOT if plan.base is None else str(plan.base)}
    try:
        with table.transaction() as txn:
            with txn.update_snapshot(snapshot_properties=properties).overwrite() as overwrite:
                for group in plan.groups:
                    for data_file in group.files:
                        overwrite.delete_data_file(data_file)
                for data_file in added:
                    overwrite.append_data_file(data_file)
    except (CommitFailedException, ValidationException) as e:
        for p in new_files:
            table.io.delete(p)
        raise CompactConflict(f"another writer changed the files this compaction read "
                              f"({str(e).splitlines()[0]}); nothing committed, run compact "
                              "again") from e
    snapshot = table.current_snapshot()
    assert snapshot is not None
    return snapshot.snapshot_id


def compact_table(table: Table, location: TableLocation, summary: CompactSummary, *,
                  run_id: str, target_bytes: int | None = None,
                  row_group_rows: int | None = None) -> None:
    """Plan, write and commit one compaction of ``table`` (the data part of :func:`compact`)."""
    plan = plan_compaction(table, location, target_bytes=target_bytes)
    summary.files_before = plan.files_before
    summary.files_after = plan.files_before
    summary.rows = plan.rows_before
    if not plan.commits:
        summary.clean_reset = plan.clean
        return
    new_files: list[str] = []
    for group in plan.groups:
        new_files += write_group(table, group, plan.drop, summary, target_bytes=target_bytes,
                                 row_group_rows=row_group_rows)
    crash_point("compact_after_write")
    summary.snapshot_id = commit_plan(table, plan, new_files, run_id)
    crash_point("compact_after_commit")
    rewritten = sum(len(g.files) for g in plan.groups)
    summary.partitions = len(plan.groups)
    summary.files_rewritten = rewritten
    summary.files_written = len(new_files)
    summary.files_after = plan.files_before - rewritten + len(new_files)
    summary.rows = plan.rows_before - summary.duplicates_dropped
    snapshot = table.current_snapshot()
    summary.clean_reset = snapshot is not None and snapshot.parent_snapshot_id == plan.base


def compact_runs(lake: Path, summary: CompactSummary) -> None:
    """Merge a local lake's run records (one JSON line each) into one JSON-lines file.

    A crash between writing the merged file and deleting the merged ones leaves some records
    twice; the ``raw_runs`` view keeps one per ``run_id``, and the next compaction merges them.
    """
    files = sorted((lake / RUNS_DIR).glob("run-*.json"))
    if len(files) < 2:
        return
    lines: dict[bytes, None] = {}  # ordered, and a record left twice by a crash kept once
    for path in files:
        lines.update((line, None) for line in path.read_bytes().splitlines() if line.strip())
    target = files[-1].with_name(files[-1].stem.removesuffix("-compacted") + "-compacted.json")
    write_bytes_atomic(target, b"\n".join(lines) + b"\n")
    for path in files:
        if path != target:
            path.unlink()
    fsync_dir(target.parent)
    summary.run_records_merged = len(files)


def compact_runs_s3(location: TableLocation, summary: CompactSummary) -> None:
    """The same for an ``s3://`` lake, through Arrow's S3 client (a PUT is atomic). Two hosts
    merging at once can leave a record in two merged files; ``raw_runs`` keeps one."""
    from pyarrow.fs import FileSelector, FileType, S3FileSystem

    props = location.properties
    fs = S3FileSystem(endpoint_override=props.get("s3.endpoint"), region=props.get("s3.region"))
    root = f"{path_key(location.lake)}/{RUNS_DIR}"
    files = sorted(i.path for i in fs.get_file_info(FileSelector(root, allow_not_found=True))
                   if i.type == FileType.File and i.base_name.startswith("run-")
                   and i.base_name.endswith(".json"))
    if len(files) < 2:
        return
    lines: dict[bytes, None] = {}
    for path in files:
        with fs.open_input_stream(path) as stream:
            lines.update((line, None) for line in stream.read().splitlines() if line.strip())
    last = files[-1].rsplit("/", 1)[1].removesuffix(".json").removesuffix("-compacted")
    target = f"{root}/{last}-compacted.json"
    with fs.open_output_stream(target) as out:
        out.write(b"\n".join(lines) + b"\n")
    for path in files:
        if path != target:
            fs.delete_file(path)
    summary.run_records_merged = len(files)


def compact(location: TableLocation, *, retention: timedelta = SNAPSHOT_RETENTION,
            orphan_grace: timedelta | None = None, run_id: str | None = None,
            target_bytes: int | None = None, row_group_rows: int | None = None,
            now: datetime | None = None) -> CompactSummary:
    """Compact the table, expire snapshots superseded more than ``retention`` ago, delete
    unreferenced files older than ``orphan_grace`` (default: 0 on a local lake, whose caller
    holds ``LakeLock``; :data:`~maintenance.S3_ORPHAN_GRACE` on S3), and merge the run
    records. A local hive lake without a table is migrated first (no rewrite)."""
    from bedrock_logbook.lake.catalog import load_table

    summary = CompactSummary()
    run_id = run_id or new_run_id()
    table = load_table(location)
    if table is None and not location.is_s3:
        from bedrock_logbook.ingest.migrate import hive_files, migrate

        # Only a lake without a table: once compaction replaced migrated files (they stay
        # on disk until their snapshots expire), migrating again would register them twice.
        if hive_files(Path(location.lake)):
            migrate(location)
            table = load_table(location)
    if table is not None:
        compact_table(table, location, summary, run_id=run_id,
                      target_bytes=target_bytes, row_group_rows=row_group_rows)
        if summary.snapshot_id is None and reset_due(table, retention=retention, now=now):
            # A new (empty) clean reset lets the old one's parent expire (see reset_due).
            table.refresh()
            current = table.current_snapshot()
            assert current is not None
            marker = CompactPlan(current.snapshot_id, True, summary.files_before, summary.rows)
            summary.snapshot_id = commit_plan(table, marker, [], run_id)
        # Before raw snapshots expire, so a rollup's rollup_of never names an expired one.
        summary.rollup_days = len(refresh_rollups(location, table, run_id).days)
        summary.snapshots_expired = expire_snapshots(table, retention=retention, now=now)
        rollups = load_rollup_tables(location)
        for rollup in rollups:  # same retention; their history has no dedupe chain
            expire_snapshots(rollup, retention=retention, now=now)
        crash_point("compact_after_expire")
        grace = orphan_grace if orphan_grace is not None else (
            S3_ORPHAN_GRACE if location.is_s3 else LOCAL_ORPHAN_GRACE)
        for one in [table, *rollups]:
            orphans = remove_orphans(one, older_than=grace, now=now)
            summary.orphans_removed += orphans.removed
            summary.orphan_bytes += orphans.bytes_removed
            summary.orphans_too_young += orphans.too_young
    if location.is_s3:
        compact_runs_s3(location, summary)
    else:
        compact_runs(Path(location.lake), summary)
    return summary
