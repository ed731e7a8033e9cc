"""Objects in → deduplicated rows committed to the lake's Iceberg table as ONE snapshot.

Order of work in one run (on a local lake the caller holds the lake lock; an ``s3://`` lake
takes none: the catalog's compare-and-swap is the guarantee):
1. parse batches of objects in worker processes, in input order, a bounded number in flight
   (the workers start before the table is opened, which takes seconds);
   each worker parks its rows in a staging file (Arrow IPC under a local ``_staging/``) and
   sends back only their 16-byte dedupe keys and date partitions;
2. drop request IDs already in the table's current snapshot (read from its data files; that
   snapshot is the run's ``deduped_against``) or seen earlier in the run (16 bytes a key);
3. write each day's new rows as Parquet files under ``<table>/data/ts_day=YYYY-MM-DD/`` named
   after the run (never colliding with another writer's), with large fixed-size row groups;
4. commit them in ONE snapshot carrying ``bedrock_logbook.operation=ingest``, the run id and
   ``deduped_against`` (none when there are no new rows);
5. bring the rollup tables (``rollup_hourly``, ``rollup_daily``) to the new snapshot
   (``rollup_tables.refresh_rollups``: the days whose files changed, one snapshot each; also
   done at the start of every run, which heals a run killed between the two commits; when
   the parse runs in worker processes, in a process of its own, ``rollup_process``);
6. only then write the quarantine, the source state (which objects were read) and the run
   record: a run killed before that re-reads its objects next time, and they all dedupe.

File bytes depend only on the rows, and the table's content only on the input: a rerun of the
same input commits nothing, and a run killed anywhere and rerun ends with the table an
uninterrupted run would have committed. Files a killed run wrote but never committed are
orphans (``compact``'s orphan removal deletes them).
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import count, islice
from multiprocessing import forkserver, get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from bedrock_logbook.ingest import state
from bedrock_logbook.ingest.crash import crash_point
from bedrock_logbook.ingest.dedupe import IN_LAKE, KeySet, content_digests
from bedrock_logbook.ingest.lake import (
    commit_file,
    lake_salt,
    remove_temp_files,
    temp_path_for,
)
from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.ingest.maintenance import LOCAL_ORPHAN_GRACE, remove_orphans
from bedrock_logbook.ingest.objects import UNREADABLE_REASONS, RawObject, SkippedObject
from bedrock_logbook.ingest.parent_death import die_with_parent
from bedrock_logbook.ingest.parquet_files import ROW_GROUP_ROWS, rechunked, write_pending
from bedrock_logbook.ingest.parse import ParseOptions
from bedrock_logbook.ingest.read import ParsedBatch, QuarantineEntry, dedupe_key, parse_objects
from bedrock_logbook.ingest.schema import (
    INVOCATIONS_SCHEMA,
    QUARANTINE_DIR,
    QUARANTINE_SCHEMA,
    RUNS_DIR,
)
from bedrock_logbook.ingest.table import (
    DATA_FILE_ROWS,
    DATA_ROW_GROUP_ROWS,
    check_uri_safe,
    commit_files,
    current_snapshot_id,
    file_schema,
    open_table,
    snapshot_properties,
    write_data_file,
)
from bedrock_logbook.lake.catalog import load_table, open_catalog, preload_catalog_modules
from bedrock_logbook.lake.location import PARTITION_FIELD, TABLE_NAME, TableLocation, resolve
from bedrock_logbook.lake.reading import data_files

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

SKIPPED_LISTED = 1_000
STAGING_DIR = "_staging"
# A day of at least SPLIT_WAYS * MIN_SPLIT_ROWS rows is written as SPLIT_WAYS runs of its
# rows, a file each, which workers write side by side. Fixed, not the worker count: the
# same input gives the same files whatever the workers. A full row group a file at least.
SPLIT_WAYS = 2
MIN_SPLIT_ROWS = DATA_ROW_GROUP_ROWS


@dataclass(frozen=True)
class IngestOptions:
    keep_bodies: bool = False
    salt: str | None = None
    workers: int = 2
    latency_field: str = "applied"  # how the top-level performanceConfig is read
    # Called after each object with (objects done, input bytes done).
    progress: Callable[[int, int], None] | None = None


@dataclass
class RunSummary:
    run_id: str
    source: str
    started_at: str
    finished_at: str = ""
    seconds: float = 0.0
    objects: int = 0
    skipped_objects: int = 0
    lines: int = 0
    rows_written: int = 0
    duplicates: int = 0
    # Of the duplicates, those whose content differs from the stored copy's (same request ID,
    # other token counts, model ...): the winner is still the first copy, but this says so.
    conflicting: int = 0
    quarantined: int = 0
    bytes_in: int = 0
    bytes_uncompressed: int = 0
    partitions_written: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # Which objects were skipped and why (the first SKIPPED_LISTED of them): traceable, not
    # only counted.
    skipped: list[dict[str, str]] = field(default_factory=list)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    # Days whose rollup rows (rollup_hourly/rollup_daily) this run recomputed.
    rollup_days: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. retries reported by a source

    @property
    def unreadable_objects(self) -> int:
        """Objects that should have been read and could not be (see ``UNREADABLE_REASONS``)."""
        return sum(n for r, n in self.skipped_reasons.items() if r in UNREADABLE_REASONS)

    @property
    def partial(self) -> bool:
        """The run committed what it read, but some objects could not be read."""
        return self.unreadable_objects > 0

    @property
    def balanced(self) -> bool:
        """Nothing lost: every line read is a row, a duplicate or a quarantine entry."""
        return self.lines == self.rows_written + self.duplicates + self.quarantined

    def line(self) -> str:
        unreadable = f", {self.unreadable_objects} unreadable" if self.partial else ""
        skipped = (f" ({self.skipped_objects} skipped{unreadable})" if self.skipped_objects
                   else "")
        extra = "".join(f", {k} {v}" for k, v in sorted(self.extra.items()))
        conflicting = f" ({self.conflicting} conflicting)" if self.conflicting else ""
        rollups = f", rollups of {self.rollup_days} days refreshed" if self.rollup_days else ""
        return (
            f"ingest {self.source}: {self.objects} objects{skipped}, {self.lines} records -> "
            f"{self.rows_written} new rows, {self.duplicates} duplicates{conflicting}, "
            f"{self.quarantined} quarantined{extra}{rollups} in {self.seconds:.2f}s"
        )

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["balanced"] = self.balanced
        d["unreadable_objects"] = self.unreadable_objects
        return d


def _new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + os.urandom(2).hex()


# Many delivery objects hold a few records each: parsing them a batch at a time keeps the
# per-task and per-table overhead small. A batch closes at this many input bytes or objects.
BATCH_BYTES = 2 << 20
BATCH_OBJECTS = 256


def _batches(objects: Iterable[RawObject]) -> Iterator[list[RawObject]]:
    batch: list[RawObject] = []
    size = 0
    for obj in objects:
        batch.append(obj)
        size += len(obj.data)
        if size >= BATCH_BYTES or len(batch) >= BATCH_OBJECTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _parse_and_stage(objects: list[RawObject], options: ParseOptions, path: str) -> ParsedBatch:
    """A worker's task: parse a batch and write its rows to a staging file.

    The rows stay on disk; only the small dedupe keys travel back, which leaves the main
    process free and its cores to the parsers.
    """
    parsed = parse_objects(objects, options)
    with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, INVOCATIONS_SCHEMA) as writer:
        writer.write_table(parsed.table)
    parsed.table = INVOCATIONS_SCHEMA.empty_table()
    parsed.staged = path
    return parsed


class _ParseStream:
    """Parsed batches in input order, from worker processes started at once.

    It is created before the lake's table is opened (importing pyiceberg, loading the table
    and healing the rollups take seconds): a feeder thread reads the objects and keeps at
    most ``2 * workers`` batches submitted and not yet parsed (their input bytes are what
    costs memory), while finished batches (rows parked in staging files, only keys and
    dates held here, ~150 bytes a row) wait for the consumer. With ``workers`` <= 1 the
    batches are parsed here, one at a time, as they are consumed.
    """

    def __init__(self, objects: Iterable[RawObject], options: ParseOptions, workers: int,
                 staging: Path) -> None:
        self._objects = objects
        self._options = options
        self.staging = staging
        self._paths = (str(staging / f"batch-{i:08d}.arrow") for i in count())
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready: queue.SimpleQueue[Future[ParsedBatch] | BaseException | None] = (
            queue.SimpleQueue())
        if workers <= 1:
            return
        ctx = get_context("forkserver")
        ctx.set_forkserver_preload(["bedrock_logbook.ingest.forkserver_guard",
                                    "bedrock_logbook.ingest.read"])
        # Started from this (the main) thread: the forkserver dies with the thread that
        # started it (PR_SET_PDEATHSIG, ``forkserver_guard``), and the feeder thread ends
        # before the run does. The workers are the forkserver's children.
        forkserver.ensure_running()
        # Workers are spawned lazily, some only for the data files at the end: one still
        # starting when the run is killed checks that this process lives.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                         initializer=die_with_parent, initargs=(os.getpid(),))
        self._slots = threading.Semaphore(2 * workers)
        self._thread = threading.Thread(target=self._feed, name="parse-feeder", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        assert self._pool is not None
        try:
            for batch in _batches(self._objects):
                while not self._slots.acquire(timeout=0.1):
                    if self._stop.is_set():
                        return
                if self._stop.is_set():
                    return
                future = self._pool.submit(_parse_and_stage, batch, self._options,
                                           next(self._paths))
                future.add_done_callback(lambda _: self._slots.release())
                self._ready.put(future)
        except BaseException as e:  # a source's error (a failed download) reaches the caller
            self._ready.put(e)
        else:
            self._ready.put(None)

    def __iter__(self) -> Iterator[ParsedBatch]:
        if self._pool is None:
            for batch in _batches(self._objects):
                yield _parse_and_stage(batch, self._options, next(self._paths))
            return
        while True:
            item = self._ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item.result()

    @property
    def pool(self) -> ProcessPoolExecutor | None:
        """The worker processes, once every batch was parsed (for other work)."""
        return None if self._closed else self._pool

    def close(self) -> None:
        """Stop feeding and shut the workers down (also after an error or a kill signal)."""
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class _Plan:
    """Which staged rows each date partition keeps, in input order (a few bytes per row)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[tuple[str, pa.Array | None]]] = {}
        self.sizes: dict[str, list[int]] = {}  # rows of each part
        self.rows: Counter[str] = Counter()

    def keep(self, date: str, staged: str, rows: pa.Array | None, n: int) -> None:
        """``rows`` are positions in the staged batch; None means every row of it."""
        if n:
            self.parts.setdefault(date, []).append((staged, rows))
            self.sizes.setdefault(date, []).append(n)
            self.rows[date] += n

    def pieces(self, date: str) -> list[list[tuple[str, pa.Array | None]]]:
        """The day's parts in at most ``SPLIT_WAYS`` runs of consecutive parts, of about
        equal rows, none meant to be under ``MIN_SPLIT_ROWS``: files that workers can write
        side by side. Depends on the input only (the staged batches and the rows kept)."""
        parts, sizes = self.parts[date], self.sizes[date]
        n = max(1, min(SPLIT_WAYS, self.rows[date] // MIN_SPLIT_ROWS, len(parts)))
        runs: list[list[tuple[str, pa.Array | None]]] = [[] for _ in range(n)]
        done = 0
        for part, size in zip(parts, sizes, strict=True):
            # Input order is kept: run k holds the parts whose first row falls in its share.
            runs[min(n - 1, done * n // self.rows[date])].append(part)
            done += size
        return [run for run in runs if run]


def _staged_batches(parts: list[tuple[str, pa.Array | None]]) -> Iterator[pa.RecordBatch]:
    for staged, rows in parts:
        with pa.OSFile(staged, "rb") as source:
            table = ipc.open_file(source).read_all()
        yield from (table if rows is None else table.take(rows)).to_batches()


class _Deduper:
    """Which rows are new: request ID not in the table's current snapshot (whatever its day:
    a request logged with timestamps on two days is one request), not seen earlier this run.

    The winner among copies is the first in input order: the copy already in the table, else
    the first copy this run reads (sources hand objects over sorted by path or key).

    A duplicate whose content digest differs from the winner's is conflicting. Against a copy
    read earlier this run that is settled at once (the run's keys keep their 8-byte digest);
    against a table row the key and digest are set aside (24 bytes each) and compared with the
    stored row once parsing is done (``conflicts_with_lake``).
    """

    def __init__(self, files: LakeFiles, uris: list[str]) -> None:
        self.files = files
        self.uris = uris  # the data files of the snapshot the run dedupes against
        self.seen: KeySet | None = None
        self.conflicting = 0
        self._lake_keys = bytearray()  # 16 bytes a duplicate of a lake row
        self._lake_fps: list[np.ndarray] = []

    def _stored_ids(self) -> Iterator[str]:
        """Request IDs of the snapshot's data files (reads one column only)."""
        for uri in self.uris:
            pf = self.files.parquet(uri)
            for batch in pf.iter_batches(columns=["request_id"], batch_size=65536):
                yield from batch.column(0).to_pylist()

    def _stored_rows(self, wanted: Callable[[list[str]], np.ndarray]) -> Iterator[pa.Table]:
        """Stored rows whose request ID ``wanted`` marks (it gets a row group's IDs and returns
        a boolean mask), in file order. Reads the ID column, and whole row groups only where
        a wanted row is."""
        for uri in self.uris:
            pf = self.files.parquet(uri)
            for group in range(pf.num_row_groups):
                ids = pf.read_row_group(group, columns=["request_id"]).column(0).to_pylist()
                mask = wanted(ids)
                if mask.any():
                    yield pf.read_row_group(group).filter(pa.array(mask))

    def keep(self, keys: list[bytes], digests: list[int]) -> list[int]:
        """Positions in ``keys`` of the first occurrence of each new key."""
        if self.seen is None:
            self.seen = KeySet([dedupe_key(rid) for rid in self._stored_ids()])
        kept, winners = self.seen.add_new_with_digests(keys, digests)
        if winners:
            fresh = set(kept)
            dups = [i for i in range(len(keys)) if i not in fresh]
            lake_fps = []
            for i, winner in zip(dups, winners, strict=True):
                if winner == IN_LAKE:
                    self._lake_keys += keys[i]
                    lake_fps.append(digests[i])
                elif winner != digests[i]:
                    self.conflicting += 1
            if lake_fps:
                self._lake_fps.append(np.array(lake_fps, dtype=np.uint64))
        return kept

    def conflicts_with_lake(self) -> int:
        """How many duplicates of table rows differ from the stored row. Reads the request IDs
        of the table again, and whole row groups only where one of those rows is."""
        if not self._lake_fps:
            return 0
        raw = bytes(self._lake_keys)
        keys = [raw[i:i + 16] for i in range(0, len(raw), 16)]  # (numpy strips trailing NULs)
        fps = np.concatenate(self._lake_fps)
        wanted = np.unique(np.array(keys, dtype="S16"))
        stored: dict[bytes, int] = {}
        for table in self._stored_rows(lambda ids: np.isin(
                np.array([dedupe_key(r) for r in ids], dtype="S16"), wanted)):
            for rid, fp in zip(table.column("request_id").to_pylist(),
                               content_digests(table), strict=True):
                stored.setdefault(dedupe_key(rid), fp)  # the first copy in file order
        return sum(1 for k, fp in zip(keys, fps.tolist(), strict=True)
                   if k in stored and stored[k] != fp)


class _QuarantineStage:
    """Quarantine entries spilled to a staging file as they arrive: a run over millions of
    bad lines holds one batch's worth at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reasons: Counter[str] = Counter()
        self._sink: pa.OSFile | None = None
        self._writer: ipc.RecordBatchStreamWriter | None = None

    def add(self, entries: list[QuarantineEntry], folded: Counter[str]) -> None:
        """Stage ``entries``; count each as one line, plus the ``folded`` ones (which are
        stored as one entry per object)."""
        self.reasons.update(folded)
        if not entries:
            return
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = ipc.new_stream(self._sink, QUARANTINE_SCHEMA)
        table = pa.Table.from_pylist([e.as_row() for e in entries], schema=QUARANTINE_SCHEMA)
        self._writer.write_table(table)
        self.reasons.update(e.reason for e in entries if e.folded_lines is None)

    def close(self) -> None:
        if self._writer is not None and self._sink is not None:
            self._writer.close()
            self._sink.close()

    def batches(self) -> Iterator[pa.RecordBatch]:
        with pa.OSFile(str(self.path), "rb") as source:
            yield from ipc.open_stream(source)


def ingest_objects(
    lake: TableLocation | str | Path,
    objects: Iterable[RawObject],
    *,
    source: str = "files",
    options: IngestOptions | None = None,
    skipped: Iterable[SkippedObject] = (),
    source_state: Mapping[str, str] | None = None,
    extra: Callable[[], Mapping[str, Any]] | None = None,
) -> RunSummary:
    """Ingest ``objects`` into the lake's table: ``lake`` is a resolved ``TableLocation``, or a
    local folder / ``s3://`` text with the default catalog. On a local lake the caller holds
    ``LakeLock`` (``lake.writer_lock``); an ``s3://`` lake takes no lock.

    ``source_state`` and ``skipped`` are read, and ``extra()`` (a source's own counters, e.g.
    retries) called, only after the last object: sources may fill them while their objects
    stream through (e.g. a file that vanished between listing and reading).
    """
    t0 = time.monotonic()
    location = lake if isinstance(lake, TableLocation) else resolve(lake)
    check_uri_safe(location)
    options = options or IngestOptions()
    summary = RunSummary(_new_run_id(), source, datetime.now(UTC).isoformat())
    files = LakeFiles.of(location)
    table: Table | None = None
    killed_before = False
    if files.is_s3:
        # Created before parsing even when no row comes: the table records the salt's object.
        from bedrock_logbook.ingest.shared_salt import table_and_salt

        table, salt = table_and_salt(files, _open_shared_catalog(location), options.salt)
        staging_root = Path(tempfile.mkdtemp(prefix="bedrock-logbook-staging-"))
    else:
        root = files.local_root
        root.mkdir(parents=True, exist_ok=True)
        remove_temp_files(root)
        # Left by a killed run, never committed. Each run stages under its own name, so a
        # worker a killed run left behind could never write into this run's files.
        killed_before = (root / STAGING_DIR).exists()
        shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
        salt = lake_salt(root, options.salt)
        staging_root = root / STAGING_DIR
    staging = staging_root / summary.run_id
    staging.mkdir(parents=True)
    parse_options = ParseOptions(salt, options.keep_bodies, options.latency_field)
    tracker = StateTracker(objects)
    # The workers start parsing now; the table is opened (seconds: pyiceberg's imports, the
    # catalog, the rollups' heal) while they do. Nothing is committed before the parse ends.
    stream = _ParseStream(tracker, parse_options, options.workers, staging)
    try:
        _import_writer_modules()
        if not files.is_s3:
            table = _local_table(location, summary.run_id)  # None until the first rows
            if killed_before and table is not None:
                from bedrock_logbook.ingest.rollup_tables import load_rollup_tables

                # Its data files may be written and never committed: with the lake lock held
                # no other writer is in flight, so every unreferenced file goes now (rollups
                # too). (This run's own staging files are outside the tables' folders.)
                summary.extra["orphans_removed"] = sum(
                    remove_orphans(t, older_than=LOCAL_ORPHAN_GRACE).removed
                    for t in [table, *load_rollup_tables(location)])
        _write_run(files, table, summary, tracker, stream, options, source_state, extra,
                   skipped, t0)
    finally:
        # Also on errors (a failed download): staged rows were never committed.
        stream.close()
        shutil.rmtree(staging_root, ignore_errors=True)
    return summary


# What opening, creating and committing the table and its rollups import (pyiceberg,
# pydantic, sqlalchemy, duckdb: seconds of a cold start, ~100 MB). Imported while the
# workers parse, even on a fresh lake whose table is created only after the parse.
def _import_writer_modules() -> None:
    preload_catalog_modules()
    importlib.import_module("bedrock_logbook.ingest.rollup_tables")


def _open_shared_catalog(location: TableLocation) -> Catalog:
    """``open_catalog``, once more if it failed because another host was creating the same
    fresh SQL catalog's own tables (pyiceberg's SqlCatalog creates them on open, and two at
    once can fail with "table iceberg_tables already exists": seen in 1 of 10 test runs)."""
    try:
        return open_catalog(location)
    except Exception as e:
        if "already exists" not in str(e):
            raise
        return open_catalog(location)


def _local_table(location: TableLocation, run_id: str) -> Table | None:
    """The local lake's table, or None before its first rows (it is created with them, so a
    run that fails or reads nothing creates none). A hive-layout lake (``invocations/date=*/``,
    no table yet) is taken over in place first (``migrate``: its files registered, none
    rewritten)."""
    from bedrock_logbook.ingest.migrate import hive_files, migrate

    table = load_table(location)
    if table is None and hive_files(Path(location.lake)):
        migrate(location, run_id=run_id)
        table = load_table(location)
    return table


def _file_groups(groups: Iterable[pa.Table], groups_per_file: int
                 ) -> Iterator[Iterator[pa.Table]]:
    """Row groups bundled into files of at most ``groups_per_file`` groups. Lazy: each bundle
    streams its groups to the writer, so one group is held at a time (a list per file held
    the whole file's rows, measured ~570 MB at 200,000 rows). Consume each bundle before
    asking for the next."""
    it = iter(groups)
    while first := list(islice(it, 1)):
        yield _bundle(first, it, groups_per_file - 1)


def _bundle(first: list[pa.Table], rest: Iterator[pa.Table], more: int) -> Iterator[pa.Table]:
    yield first.pop()  # popped: nothing here holds a group once it is written
    yield from islice(rest, more)


def _write_data_files(files: LakeFiles, table: Table, summary: RunSummary, plan: _Plan,
                      pool: ProcessPoolExecutor | None) -> list[str]:
    """Each day's new rows as Parquet files in the table's data folder; their URIs.

    Named after the run plus a random token, so no other writer (another host's run, a
    killed run's leftovers) ever writes the same name. Local files are written to a temp name,
    fsynced and renamed: the commit then never references a file that is not on disk.

    A day is written as ``_Plan.pieces``: consecutive runs of its rows, a file (or more)
    each. With a ``pool`` (the parse workers) the pieces are written there: the row groups
    (~100 MB of Arrow each) are then held there, not in this process, which also holds
    pyiceberg; days and pieces are written in parallel (a big day's two pieces too: as one
    file it was written on one core while the other idled, 0.85 s of a 200,000-row day),
    and days are reported (crash point included) in order.
    """
    schema = file_schema(table)
    token = secrets.token_hex(4)
    written: list[str] = []
    days = sorted(plan.rows)
    prefixes = {d: f"{TABLE_NAME}/data/{PARTITION_FIELD}={d}/{summary.run_id}-{token}-"
                for d in days}
    pieces = {d: [(f"{prefixes[d]}{k}-", piece) for k, piece in enumerate(plan.pieces(d))]
              for d in days}
    jobs = {} if pool is None else {
        d: [pool.submit(_write_day, files.location, prefix, piece, schema)
            for prefix, piece in pieces[d]]
        for d in days}
    # Every worker is done before the first crash point: a run killed there leaves no worker
    # still writing a file that could land after the next run swept the orphans.
    done = {d: [rel for job in day_jobs for rel in job.result()]
            for d, day_jobs in jobs.items()}
    for date in days:
        rels = (done[date] if done
                else [rel for prefix, piece in pieces[date]
                      for rel in _write_day(files.location, prefix, piece, schema, files)])
        written += [files.uri(rel) for rel in rels]
        summary.rows_written += plan.rows[date]
        summary.partitions_written += 1
        crash_point("after_partition_write")
    return written


def _write_day(location: TableLocation, prefix: str, parts: list[tuple[str, pa.Array | None]],
               schema: pa.Schema, files: LakeFiles | None = None) -> list[str]:
    """One day's staged rows as data files named ``prefix`` + number; their lake paths.

    Each staged batch is cast to the file schema (large strings) as it is read, so the
    writer's own cast is a no-op rather than a second copy of each row group.
    """
    files = files or LakeFiles.of(location)
    groups = rechunked((b.cast(schema) for b in _staged_batches(parts)),
                       DATA_ROW_GROUP_ROWS, schema)
    rels: list[str] = []
    for n, bundle in enumerate(_file_groups(groups, DATA_FILE_ROWS // DATA_ROW_GROUP_ROWS)):
        rel = f"{prefix}{n:05d}.parquet"
        if files.is_s3:
            with files.output_stream(rel) as sink:
                write_data_file(sink, bundle, schema)
        else:
            target = Path(files.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path_for(target)
            write_data_file(str(tmp), bundle, schema)
            commit_file(tmp, target)
        rels.append(rel)
    return rels


def _write_quarantine(files: LakeFiles, staging: Path, quarantine: _QuarantineStage) -> None:
    """The run's quarantine entries as one content-addressed file: the same lines give the same
    name, so a rerun (or a run killed after it) finds it there and writes nothing."""
    pending = write_pending(staging / "quarantine-out",
                            rechunked(quarantine.batches(), ROW_GROUP_ROWS, QUARANTINE_SCHEMA),
                            QUARANTINE_SCHEMA, ["source", "source_line", "reason"])
    if pending is None:
        return
    rel = f"{QUARANTINE_DIR}/{pending.target.name}"
    if not files.exists(rel):
        files.put_file(pending.tmp, rel)


def _release_memory() -> None:
    """Return the memory freed so far to the system: Arrow's pool keeps freed blocks, and so
    does glibc's malloc (``malloc_trim`` exists on glibc only)."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


def _write_run(
    files: LakeFiles,
    table: Table | None,
    summary: RunSummary,
    tracker: StateTracker,
    stream: _ParseStream,
    options: IngestOptions,
    source_state: Mapping[str, str] | None,
    extra: Callable[[], Mapping[str, Any]] | None,
    skipped: Iterable[SkippedObject],
    t0: float,
) -> None:
    refresher = _Refresher(files.location, summary.run_id, apart=options.workers > 1)
    try:
        _write_run_refreshing(files, table, summary, tracker, stream, options, source_state,
                              extra, skipped, t0, refresher)
    finally:
        refresher.close()


class _Refresher:
    """Runs ``refresh_rollups``: with ``apart`` (the run parses in worker processes) in a
    process of its own (``rollup_process``: its memory is not added to this process's),
    started now so that its imports overlap the parse, and only when the rollups are not
    already in sync; else here."""

    def __init__(self, location: TableLocation, run_id: str, apart: bool) -> None:
        from bedrock_logbook.ingest.rollup_process import RefreshProcess

        self.location, self.run_id = location, run_id
        self._next = RefreshProcess() if apart else None
        self._apart = apart

    def refresh(self, table: Table) -> set[Any]:
        from bedrock_logbook.ingest.rollup_process import RefreshProcess
        from bedrock_logbook.ingest.rollup_tables import refresh_rollups, rollups_in_sync

        if not self._apart:
            return refresh_rollups(self.location, table, self.run_id).days
        if rollups_in_sync(self.location, table):
            return set()
        process, self._next = self._next or RefreshProcess(), None
        days = process.refresh(self.location, self.run_id).days
        table.refresh()  # as an in-process refresh leaves it
        return days

    def close(self) -> None:
        if self._next is not None:
            self._next.close()
            self._next = None


def _write_run_refreshing(
    files: LakeFiles,
    table: Table | None,
    summary: RunSummary,
    tracker: StateTracker,
    stream: _ParseStream,
    options: IngestOptions,
    source_state: Mapping[str, str] | None,
    extra: Callable[[], Mapping[str, Any]] | None,
    skipped: Iterable[SkippedObject],
    t0: float,
    refresher: _Refresher,
) -> None:
    rollup_days: set[Any] = set()  # dates
    if table is not None:
        # Heals the rollups of a run killed between its raw and rollup commits (a no-op when
        # they reflect the current snapshot).
        rollup_days |= refresher.refresh(table)
    plan = _Plan()
    deduped_against = None if table is None else current_snapshot_id(table)
    dedupe = _Deduper(files, data_files(table) if table is not None and deduped_against is not None
                      else [])
    staging = stream.staging
    quarantine = _QuarantineStage(staging / "quarantine.arrow")
    for parsed in stream:
        summary.objects += parsed.objects
        summary.lines += parsed.lines
        summary.bytes_in += parsed.bytes_in
        summary.bytes_uncompressed += parsed.bytes_uncompressed
        quarantine.add(parsed.quarantine, parsed.folded)
        assert parsed.staged is not None
        fresh = set(dedupe.keep(parsed.keys, parsed.digests))
        summary.duplicates += len(parsed.keys) - len(fresh)
        for date, idx in parsed.by_date.items():
            kept = [i for i in idx if i in fresh]
            if len(kept) == len(parsed.keys):
                plan.keep(date, parsed.staged, None, len(kept))
            else:
                rows = pa.array(kept, type=pa.int32())
                plan.keep(date, parsed.staged, rows, len(kept))
        if options.progress is not None:
            options.progress(summary.objects, summary.bytes_in)
        crash_point("after_first_batch")
    quarantine.close()
    summary.conflicting = dedupe.conflicting + dedupe.conflicts_with_lake()
    _tally_skipped(summary, skipped)
    crash_point("after_parse")

    if plan.rows:
        if table is None:  # a local lake's first rows (deduped against nothing)
            table = open_table(files.location)
        # Local lakes only: the forkserver's workers keep the environment (AWS settings) it
        # was started with, which in a long-lived process may not be today's.
        written = _write_data_files(files, table, summary, plan,
                                    None if files.is_s3 else stream.pool)
        stream.close()  # the workers are done: their memory goes before the rollups
        crash_point("before_table_commit")  # files written, not referenced by any snapshot
        commit_files(table, written,
                     snapshot_properties("ingest", summary.run_id, deduped_against))
    crash_point("after_table_commit")
    if table is not None:
        del plan, dedupe
        _release_memory()  # the refresh's peak adds to what the run left allocated
        rollup_days |= refresher.refresh(table)
    summary.rollup_days = len(rollup_days)

    if quarantine.reasons:
        _write_quarantine(files, staging, quarantine)
    summary.quarantined = sum(quarantine.reasons.values())
    summary.quarantine_reasons = dict(quarantine.reasons)

    crash_point("before_state_commit")
    state.commit(files, summary.source, summary.run_id, tracker.seen, source_state or {})
    crash_point("after_state_commit")

    if extra is not None:
        summary.extra.update(extra())
    summary.seconds = round(time.monotonic() - t0, 3)
    summary.finished_at = datetime.now(UTC).isoformat()
    # One line of JSON: `compact` can then merge many runs into one JSON-lines file.
    record = json.dumps(summary.as_dict(), sort_keys=True) + "\n"
    files.write_once(f"{RUNS_DIR}/run-{summary.run_id}.json", record.encode())


def _tally_skipped(summary: RunSummary, skipped: Iterable[SkippedObject]) -> None:
    reasons: Counter[str] = Counter()
    for s in skipped:
        reasons[s.reason] += 1
        if len(summary.skipped) < SKIPPED_LISTED:
            summary.skipped.append({"uri": s.uri, "reason": s.reason})
    summary.skipped_objects = sum(reasons.values())
    summary.skipped_reasons = dict(reasons)


class StateTracker:
    """Wraps an object stream and remembers each object's state key as it passes through."""

    def __init__(self, objects: Iterable[RawObject]) -> None:
        self._objects = objects
        self.seen: dict[str, str] = {}

    def __iter__(self) -> Iterator[RawObject]:
        for obj in self._objects:
            if obj.state_key is not None:
                self.seen[obj.state_key] = obj.fingerprint or ""
            yield obj


def ingest_records(
    lake: TableLocation | str | Path,
    records: Iterable[Mapping[str, Any]],
    *,
    source: str = "test",
    options: IngestOptions | None = None,
) -> RunSummary:
    """Ingest in-memory records (as one NDJSON object): for tests and fixtures."""
    data = b"\n".join(msgspec.json.encode(r) for r in records)
    return ingest_objects(lake, [RawObject(f"{source}:records", data)], source=source,
                          options=options or IngestOptions(workers=1))
