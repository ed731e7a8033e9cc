"""Merge each date partition's part files into one (a cron ingest adds a file per run).

Crash safety: the merged file is written under a temp name, a journal naming it and the files
it replaces is committed, then the merged file is renamed in and the old ones deleted. A run
killed anywhere leaves either the old files, or the new file plus a journal that the next
compaction or ingest finishes (``finish_pending``). Readers may see both for the few
milliseconds between the rename and the deletes, never after a crash is recovered.

The merged file's name and bytes depend only on the rows (``parquet_files``), so compacting
the same files again gives the same file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.crash import crash_point
from bedrock_logbook.ingest.dedupe import KeySet
from bedrock_logbook.ingest.lake import (
    fsync_dir,
    partition_files,
    remove_temp_files,
    write_bytes_atomic,
    write_json_atomic,
)
from bedrock_logbook.ingest.parquet_files import ROW_GROUP_ROWS, rechunked, write_pending
from bedrock_logbook.ingest.read import dedupe_key
from bedrock_logbook.ingest.schema import (
    INVOCATIONS_DIR,
    INVOCATIONS_SCHEMA,
    PARTITION_KEY,
    RUNS_DIR,
)

JOURNAL_DIR = "_compact"


@dataclass
class CompactSummary:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    run_records_merged: int = 0

    def line(self) -> str:
        return (f"compact: {self.partitions} partitions, {self.files_before} files -> "
                f"{self.files_after}, {self.rows} rows, {self.duplicates_dropped} duplicates "
                f"dropped, {self.run_records_merged} run record files merged")


def _journal(lake: Path, date: str) -> Path:
    return lake / JOURNAL_DIR / f"{date}.json"


def finish_pending(lake: Path) -> int:
    """Complete compactions a killed run left half done; returns how many it finished."""
    done = 0
    for journal in sorted((lake / JOURNAL_DIR).glob("*.json")):
        entry = json.loads(journal.read_text())
        folder = lake / INVOCATIONS_DIR / f"{PARTITION_KEY}={entry['date']}"
        if (folder / entry["new"]).exists():
            for name in entry["old"]:
                if name != entry["new"]:
                    (folder / name).unlink(missing_ok=True)
            fsync_dir(folder)
        # Without the new file the old ones are intact: nothing to undo.
        journal.unlink()
        done += 1
    return done


def _rows(files: list[Path], summary: CompactSummary) -> Iterator[pa.RecordBatch]:
    """Every row of the files in name order, once per request ID (a crash-free lake has no
    duplicates; this keeps a damaged one from spreading them)."""
    keys = KeySet([], digests=False)
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS):
            table = pa.Table.from_batches([batch]).cast(INVOCATIONS_SCHEMA)
            ids = [dedupe_key(rid) for rid in table.column("request_id").to_pylist()]
            kept = keys.add_new(ids)
            summary.duplicates_dropped += table.num_rows - len(kept)
            if len(kept) < table.num_rows:
                table = table.take(pa.array(kept, type=pa.int64()))
            summary.rows += table.num_rows
            yield from table.to_batches()


def compact_partition(lake: Path, date: str, summary: CompactSummary) -> None:
    files = partition_files(lake, date)
    if len(files) < 2:
        return
    folder = files[0].parent
    pending = write_pending(folder, rechunked(_rows(files, summary), ROW_GROUP_ROWS,
                                              INVOCATIONS_SCHEMA),
                            INVOCATIONS_SCHEMA, ["request_id"])
    if pending is None:
        return
    journal = _journal(lake, date)
    write_json_atomic(journal, {"date": date, "new": pending.target.name,
                                "old": [f.name for f in files]})
    crash_point("compact_after_journal")
    pending.commit()
    crash_point("compact_after_rename")
    for f in files:
        if f.name != pending.target.name:
            f.unlink()
    fsync_dir(folder)
    journal.unlink()
    summary.partitions += 1
    summary.files_before += len(files)
    summary.files_after += 1


def compact_runs(lake: Path, summary: CompactSummary) -> None:
    """Merge the run records (one JSON line each) into one JSON-lines file.

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


def compact(lake: Path) -> CompactSummary:
    """Compact every partition with more than one file, and the run records. The caller
    holds ``LakeLock``."""
    remove_temp_files(lake)  # a killed compaction's or ingest's half-written files
    finish_pending(lake)
    summary = CompactSummary()
    root = lake / INVOCATIONS_DIR
    if root.is_dir():
        for folder in sorted(root.glob(f"{PARTITION_KEY}=*")):
            compact_partition(lake, folder.name.split("=", 1)[1], summary)
    compact_runs(lake, summary)
    return summary
