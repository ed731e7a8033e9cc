"""Turn a hive-layout lake into the Iceberg table in place: register its Parquet files, no rewrite.

The files stay where they are (``<lake>/invocations/date=…/part-….parquet``); the table's
metadata is written beside them (``<lake>/invocations/metadata/``) and the catalog records it.
``add_files`` reads each file's footer for its column statistics and its ``day(ts)`` partition.
Running it again registers only files the table does not reference yet, so a second run over
the same lake commits nothing. The caller holds the lake lock, so no ingest or compaction
changes the files underneath.

The table records absolute file paths (Iceberg has no relative paths), so a migrated local
lake cannot be moved to another folder without rewriting its metadata.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bedrock_logbook.ingest.lake import TMP_PREFIX, fsync_dir
from bedrock_logbook.ingest.maintenance import path_key, referenced_files
from bedrock_logbook.ingest.schema import INVOCATIONS_DIR, PARTITION_KEY
from bedrock_logbook.ingest.table import (
    check_uri_safe,
    current_snapshot_id,
    open_table,
    snapshot_properties,
)
from bedrock_logbook.lake.location import (
    TableError,
    TableLocation,
    file_uri,
    local_path,
)
from bedrock_logbook.lake.reading import (
    data_files,
)

MIGRATE_OPERATION = "migrate"  # the snapshot's bedrock_logbook.operation


@dataclass(frozen=True)
class MigrateSummary:
    lake: str
    files_found: int
    files_added: int
    rows_added: int
    snapshot_id: int | None
    seconds: float

    def line(self) -> str:
        if self.files_added == 0:
            return (f"migrate: {self.files_found} hive files, all already in the table; "
                    f"nothing committed ({self.seconds:.2f}s)")
        return (f"migrate: {self.files_found} hive files, {self.files_added} added "
                f"({self.rows_added} rows) in one snapshot, none rewritten ({self.seconds:.2f}s)")


def hive_files(lake: Path) -> list[Path]:
    """The committed data files of a hive lake (temp files of a killed run excluded)."""
    root = lake / INVOCATIONS_DIR
    return sorted(p for p in root.glob(f"{PARTITION_KEY}=*/*.parquet")
                  if not p.name.startswith(TMP_PREFIX))


HIVE_JOURNAL_DIR = "_compact"  # the hive writer's compaction journal (before the table)


def finish_hive_compaction(lake: Path) -> int:
    """Finish what a hive compaction killed half way left (the writer before the table): with
    its merged file renamed in, the files it replaced are deleted, so migrating does not
    register the same rows twice; without it the old files are intact. Returns how many."""
    done = 0
    for journal in sorted((lake / HIVE_JOURNAL_DIR).glob("*.json")):
        entry = json.loads(journal.read_text())
        folder = lake / INVOCATIONS_DIR / f"{PARTITION_KEY}={entry['date']}"
        if (folder / entry["new"]).exists():
            for name in entry["old"]:
                if name != entry["new"]:
                    (folder / name).unlink(missing_ok=True)
            fsync_dir(folder)
        journal.unlink()
        done += 1
    return done


def migrate(location: TableLocation, run_id: str | None = None) -> MigrateSummary:
    """Register the hive files of a local lake in its Iceberg table (created if missing).

    The snapshot carries the writer's properties: ``deduped_against`` is ``none`` when the
    table was empty (the hive writer kept the lake free of repeated request IDs, so the new
    root snapshot is clean), else the snapshot it landed on, which readers check like any
    other commit.
    """
    run_id = run_id or (datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + os.urandom(2).hex())
    if location.is_s3:
        raise TableError("migrate works on a local lake folder (--lake DIR); an s3:// lake "
                         "has no hive files to take over")
    check_uri_safe(location)
    started = time.perf_counter()
    lake = Path(location.lake)
    finish_hive_compaction(lake)
    found = hive_files(lake)
    table = open_table(location)
    referenced = set(data_files(table))
    # Hive files a compaction replaced stay on disk until their snapshots expire: any file a
    # live snapshot ever referenced is the table's, not new hive data.
    ever = referenced_files(table)
    gone = sorted(uri for uri in referenced
                  if uri.startswith("file://") and f"/{PARTITION_KEY}=" in uri
                  and not Path(local_path(uri)).exists())
    if gone:
        raise TableError(f"the table references {len(gone)} hive files that no longer exist "
                         f"(first: {gone[0]}); the old writer's compact must not run on a "
                         "migrated lake")
    new = [uri for uri in map(file_uri, found)
           if uri not in referenced and path_key(uri) not in ever]
    snapshot_id = None
    rows = 0
    if new:
        # Files the hive writer wrote after an earlier migration were deduped against the
        # whole hive lake, i.e. against every file the table holds: the current snapshot.
        props = snapshot_properties(MIGRATE_OPERATION, run_id, current_snapshot_id(table))
        table.add_files(new, snapshot_properties=props)
        snapshot = table.current_snapshot()
        if snapshot is not None:
            snapshot_id = snapshot.snapshot_id
            added = snapshot.summary["added-records"] if snapshot.summary else None
            rows = int(added or 0)
    return MigrateSummary(location.lake, len(found), len(new), rows, snapshot_id,
                          time.perf_counter() - started)
