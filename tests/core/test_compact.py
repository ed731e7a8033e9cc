"""Compaction: one file per partition, the same rows, deterministic, and safe to kill."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bedrock_logbook.ingest.compact import compact
from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_records
from tests.core.lakeutil import snapshot
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[2]
OPTS = IngestOptions(salt="s", workers=1)


def rows(lake: Path) -> list[tuple[object, ...]]:
    return duckdb.execute(
        "SELECT request_id, ts, latency_ms, date FROM read_parquet(?, hive_partitioning = true) "
        "ORDER BY request_id", [f"{lake}/invocations/*/*.parquet"]).fetchall()


def three_runs(lake: Path) -> None:
    """Three cron-like runs: the 2nd of November gets a file from each."""
    with LakeLock(lake):
        for run in range(3):
            ingest_records(lake, [converse(f"r-{run}-{i}", latency_ms=100 * run + i,
                                           timestamp=f"2026-11-0{2 + i % 2}T10:00:0{run}Z")
                                  for i in range(4)], options=OPTS)


def part_files(lake: Path) -> dict[str, int]:
    return {d.name: len(list(d.glob("*.parquet")))
            for d in sorted((lake / "invocations").iterdir())}


def test_compaction_merges_files_and_keeps_every_row(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    three_runs(lake)
    before = rows(lake)
    assert part_files(lake) == {"date=2026-11-02": 3, "date=2026-11-03": 3}
    with LakeLock(lake):
        s = compact(lake)
    assert (s.partitions, s.files_before, s.files_after, s.rows) == (2, 6, 2, 12)
    assert part_files(lake) == {"date=2026-11-02": 1, "date=2026-11-03": 1}
    assert rows(lake) == before
    again = snapshot(lake)
    with LakeLock(lake):
        assert compact(lake).partitions == 0  # nothing left to merge: nothing changes
    assert snapshot(lake) == again


def test_compacted_lake_keeps_deduplicating_new_runs(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    three_runs(lake)
    with LakeLock(lake):
        compact(lake)
        s = ingest_records(lake, [converse("r-0-0", timestamp="2026-11-02T10:00:00Z")],
                           options=OPTS)
    assert (s.rows_written, s.duplicates) == (0, 1)


@pytest.mark.parametrize("point", ["compact_after_journal", "compact_after_rename"])
def test_killed_compaction_is_finished_by_the_next_run(tmp_path: Path, point: str) -> None:
    clean, lake = tmp_path / "clean", tmp_path / "lake"
    three_runs(clean)
    three_runs(lake)
    expected_rows = rows(lake)
    with LakeLock(clean):
        compact(clean)
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "compact", "--lake", str(lake)]
    killed = subprocess.run(cmd, cwd=REPO, env={**os.environ, CRASH_ENV: point},
                            capture_output=True)
    assert killed.returncode == -9
    assert list((lake / "_compact").glob("*.json"))  # the journal says what was under way
    # The next ingest (or compaction) finishes the job before it reads the lake.
    with LakeLock(lake):
        ingest_records(lake, [], options=OPTS)
    assert not list((lake / "_compact").glob("*.json"))
    assert rows(lake) == expected_rows
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(lake) == snapshot(clean)


@pytest.mark.parametrize("point", ["compact_after_journal", "compact_after_rename"])
def test_compact_right_after_a_killed_compact_recovers(tmp_path: Path, point: str) -> None:
    """Issue 10: the next ``compact`` exited 1 on the killed one's temp file."""
    from bedrock_logbook import queries
    clean, lake = tmp_path / "clean", tmp_path / "lake"
    three_runs(clean)
    three_runs(lake)
    with LakeLock(clean):
        compact(clean)
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "compact", "--lake", str(lake)]
    killed = subprocess.run(cmd, cwd=REPO, env={**os.environ, CRASH_ENV: point},
                            capture_output=True)
    assert killed.returncode == -9
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(lake) == snapshot(clean)
    con = queries.connect(lake)
    assert con.execute("SELECT count(*), count(DISTINCT request_id) FROM raw_invocations"
                       ).fetchone() == (12, 12)


def test_truncated_temp_file_does_not_stop_compaction(tmp_path: Path) -> None:
    clean, lake = tmp_path / "clean", tmp_path / "lake"
    three_runs(clean)
    three_runs(lake)
    with LakeLock(clean):
        compact(clean)
    folder = lake / "invocations" / "date=2026-11-02"
    good = sorted(folder.glob("part-*.parquet"))[0].read_bytes()
    (folder / ".tmp-part-pending.parquet").write_bytes(good[: len(good) // 2])
    r = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "compact", "--lake",
                        str(lake)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert snapshot(lake) == snapshot(clean)


def test_run_records_are_merged_and_still_read_once_each(tmp_path: Path) -> None:
    from bedrock_logbook import queries
    lake = tmp_path / "lake"
    three_runs(lake)
    assert len(list((lake / "_runs").glob("run-*.json"))) == 3
    with LakeLock(lake):
        s = compact(lake)
    (merged,) = (lake / "_runs").glob("run-*.json")
    assert merged.name.endswith("-compacted.json") and s.run_records_merged == 3
    con = queries.connect(lake)
    assert con.execute("SELECT count(*), sum(rows_written) FROM raw_runs").fetchone() == (3, 12)
    # A crash after writing the merged file but before deleting the others reads the same.
    (lake / "_runs" / "run-0-copy.json").write_bytes(merged.read_bytes())
    assert con.execute("SELECT count(*) FROM raw_runs").fetchone() == (3,)
    with LakeLock(lake):
        ingest_records(lake, [converse("later")], options=OPTS)
        compact(lake)
    (merged,) = (lake / "_runs").glob("run-*.json")
    assert len(merged.read_bytes().splitlines()) == 4  # the duplicate line is gone
    assert queries.connect(lake).execute("SELECT count(*) FROM raw_runs").fetchone() == (4,)
