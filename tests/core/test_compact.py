"""`compact` on the Iceberg table (local lake, SQLite catalog): each day's small files into
large ones in one snapshot, duplicates planted by racing writers dropped for good, concurrent
appends kept, and safe to kill."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bedrock_logbook.ingest.compact import (
    CompactConflict,
    CompactSummary,
    commit_plan,
    compact,
    plan_compaction,
    write_group,
)
from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.maintenance import dedupe_chain
from bedrock_logbook.ingest.table import open_table
from bedrock_logbook.lake.location import TableLocation, local_path, resolve
from tests.core.tablerows import day_rows, ingest, live_files, request_ids, rows

REPO = Path(__file__).resolve().parents[2]
PROPS = ("bedrock_logbook.operation", "bedrock_logbook.run_id", "bedrock_logbook.deduped_against")


@pytest.fixture
def location(tmp_path: Path) -> TableLocation:
    return resolve(tmp_path / "lake")


def three_runs(location: TableLocation) -> None:
    """Three clean cron runs of 4 rows, each writing one file in each of two days."""
    table = open_table(location)
    for run in range(3):
        ingest(table, day_rows(f"r{run}", 4), run_id=f"run-{run}")


def data_dir_files(location: TableLocation) -> list[str]:
    root = Path(location.lake) / "invocations"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


def cli(location: TableLocation, *extra: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "compact", "--lake", location.lake,
           *extra]
    return subprocess.run(cmd, cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def test_small_files_become_one_per_day_in_one_compact_snapshot(
        location: TableLocation) -> None:
    three_runs(location)
    table = open_table(location)
    before = table.scan().to_arrow().sort_by("request_id").to_pylist()
    base = table.current_snapshot()
    assert base is not None and len(live_files(table)) == 6  # 3 runs x 2 days

    s = compact(location)
    assert (s.files_before, s.files_after, s.partitions, s.rows, s.duplicates_dropped) == \
        (6, 2, 2, 12, 0)
    table = open_table(location)
    assert table.scan().to_arrow().sort_by("request_id").to_pylist() == before
    files = live_files(table)
    assert [f.split("/invocations/")[1].split("/compact-")[0] for f in files] == \
        ["data/ts_day=2026-11-02", "data/ts_day=2026-11-03"]
    head = table.current_snapshot()
    assert head is not None and head.summary is not None
    props = {k: head.summary.additional_properties.get(k) for k in PROPS}
    assert props["bedrock_logbook.operation"] == "compact" and props[PROPS[1]]
    assert head.parent_snapshot_id == base.snapshot_id  # one snapshot on top of the base
    assert props["bedrock_logbook.deduped_against"] == str(base.snapshot_id)  # a clean reset
    assert dedupe_chain(table) == (True, [head.snapshot_id])

    again = compact(location)  # nothing left to merge: nothing committed
    assert again.snapshot_id is None and again.files_after == 2
    assert open_table(location).current_snapshot() == head


def test_duplicates_from_racing_writers_keep_the_first_by_ts_source_line(
        location: TableLocation) -> None:
    table = open_table(location)
    a = ingest(table, rows([(f"a-{i}", f"2026-11-0{2 + i % 2}T10:0{i}:00", "s3://l/a", i)
                            for i in range(6)]))
    ingest(table, rows([(f"b-{i}", "2026-11-02T10:00:00", "s3://l/b", i) for i in range(4)]))
    # A writer that deduped against `a` commits after `b` (its parent): it repeats IDs.
    ingest(table, rows([
        ("a-1", "2026-11-03T11:00:00", "s3://l/c", 0),  # later than a's copy: a's kept
        ("b-2", "2026-11-02T09:00:00", "s3://l/c", 1),  # earlier than b's copy: this one
        ("a-4", "2026-11-01T23:59:00", "s3://l/c", 2),  # earlier, another day: this one
        ("a-5", "2026-11-03T10:05:00", "s3://l/a", 2),  # same ts and source, lower line
        ("c-0", "2026-11-02T12:00:00", "s3://l/c", 4),
    ]), against=a)
    assert dedupe_chain(table)[0] is False
    assert len(request_ids(table)) == 15

    s = compact(location)
    assert s.duplicates_dropped == 4 and s.rows == 11
    table = open_table(location)
    got = {r["request_id"]: (r["ts"].isoformat()[:16], r["source"], r["source_line"])
           for r in table.scan().to_arrow().to_pylist()}
    assert len(got) == 11 == len(request_ids(table))  # every request ID once
    assert got["a-1"] == ("2026-11-03T10:01", "s3://l/a", 1)
    assert got["b-2"] == ("2026-11-02T09:00", "s3://l/c", 1)
    assert got["a-4"] == ("2026-11-01T23:59", "s3://l/c", 2)
    assert got["a-5"] == ("2026-11-03T10:05", "s3://l/a", 2)
    assert sorted(got) == sorted([f"a-{i}" for i in range(6)] + [f"b-{i}" for i in range(4)]
                                 + ["c-0"])
    head = table.current_snapshot()
    assert head is not None
    assert dedupe_chain(table) == (True, [head.snapshot_id])  # clean reset: readers fast path
    # a-4's only copy is in 2026-11-01 now; the day it left keeps its other rows.
    days = {f.split("ts_day=")[1][:10] for f in live_files(table)}
    assert days == {"2026-11-01", "2026-11-02", "2026-11-03"}


def test_a_table_without_our_properties_is_deduped_too(location: TableLocation) -> None:
    table = open_table(location)
    table.append(day_rows("x", 4))  # e.g. another tool's append: no deduped_against
    table.append(day_rows("x", 2))
    assert dedupe_chain(table)[0] is False
    s = compact(location)
    assert (s.duplicates_dropped, s.rows) == (2, 4)
    assert request_ids(open_table(location)) == ["x-0", "x-1", "x-2", "x-3"]


def test_an_append_committed_during_compaction_survives(location: TableLocation) -> None:
    three_runs(location)
    table = open_table(location)
    base = table.current_snapshot()
    assert base is not None
    plan = plan_compaction(table, location)
    summary = CompactSummary()
    written = [p for g in plan.groups for p in write_group(table, g, plan.drop, summary)]

    other = open_table(location)  # another process's catalog connection
    late = ingest(other, day_rows("late", 4))  # lands in the same two days

    compact_id = commit_plan(table, plan, written, "run-c")  # pyiceberg retries on `late`
    table = open_table(location)
    assert request_ids(table) == sorted([f"r{r}-{i}" for r in range(3) for i in range(4)]
                                        + [f"late-{i}" for i in range(4)])
    assert len(live_files(table)) == 4  # 2 compacted + late's 2
    head = table.current_snapshot()
    assert head is not None and head.snapshot_id == compact_id
    assert head.parent_snapshot_id == late  # re-applied on top of the concurrent append
    assert dedupe_chain(table)[0] is False  # deduped against the base, not `late`: dirty
    s = compact(location)
    assert (s.files_after, s.rows) == (2, 16)
    assert dedupe_chain(open_table(location))[0] is True


def test_two_compactions_of_one_base_the_second_commits_nothing(
        location: TableLocation) -> None:
    three_runs(location)
    first, second = open_table(location), open_table(location)
    plans = [plan_compaction(t, location) for t in (first, second)]
    commit_plan(first, plans[0],
                [p for g in plans[0].groups for p in write_group(first, g, {}, CompactSummary())],
                "run-1")
    done = live_files(open_table(location))
    with pytest.raises(CompactConflict):
        commit_plan(second, plans[1], [], "run-2")
    assert live_files(open_table(location)) == done


def test_output_files_row_groups_and_bytes(location: TableLocation) -> None:
    table = open_table(location)
    for run in range(3):
        ingest(table, day_rows(f"r{run}", 1000, days=("2026-11-02",)))
    plan = plan_compaction(table, location)
    (group,) = plan.groups
    assert len(group.files) == 3
    paths = write_group(table, group, {}, CompactSummary(), target_bytes=1,
                        row_group_rows=700)
    # Each row group of 700 rows passes a 1-byte target: a file per row group, 3000 rows.
    assert len(paths) == 5  # ceil(3000 / 700)
    metas = [pq.read_metadata(local_path(p)) for p in paths]
    assert [m.num_rows for m in metas] == [700, 700, 700, 700, 200]
    assert all(m.num_row_groups == 1 for m in metas)
    digests = [hashlib.sha256(Path(local_path(p)).read_bytes()).hexdigest() for p in paths]
    again = write_group(table, group, {}, CompactSummary(), target_bytes=1, row_group_rows=700)
    assert again == paths
    assert [hashlib.sha256(Path(local_path(p)).read_bytes()).hexdigest() for p in again] == \
        digests  # the same files read give the same names and bytes

    (default,) = write_group(table, group, {}, CompactSummary())
    meta = pq.read_metadata(local_path(default))
    assert (meta.num_rows, meta.num_row_groups) == (3000, 1)
    assert meta.row_group(0).column(0).compression == "ZSTD"
    field = meta.schema.to_arrow_schema().field("request_id")
    assert field.metadata[b"PARQUET:field_id"] == b"1"  # Iceberg field IDs, as pyiceberg writes

    # Row groups also close at write.parquet.row-group-size-bytes of Arrow memory: at 1 byte,
    # after every batch read (one per 1000-row input file here).
    with table.transaction() as txn:
        txn.set_properties({"write.parquet.row-group-size-bytes": "1"})
    (capped,) = write_group(table, group, {}, CompactSummary())
    meta = pq.read_metadata(local_path(capped))
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1000] * 3


@pytest.mark.parametrize("point", ["compact_after_write", "compact_after_commit",
                                   "compact_after_expire"])
def test_killed_compaction_leaves_a_snapshot_and_the_next_one_finishes(
        location: TableLocation, point: str) -> None:
    three_runs(location)
    table = open_table(location)
    before_rows = table.scan().to_arrow().sort_by("request_id").to_pylist()
    base = table.current_snapshot()
    assert base is not None

    killed = cli(location, "--expire-after", "0", env={CRASH_ENV: point})
    assert killed.returncode == -9, killed.stderr
    table = open_table(location)
    head = table.current_snapshot()
    assert head is not None
    if point == "compact_after_write":
        assert head == base  # the table is at its previous snapshot
        on_disk = [f for f in data_dir_files(location) if "/compact-" in f]
        assert len(on_disk) == 2 and not any("compact-" in f for f in live_files(table))
    else:
        assert head.parent_snapshot_id == base.snapshot_id
    assert table.scan().to_arrow().sort_by("request_id").to_pylist() == before_rows

    for _ in range(2):  # the next run finishes; one more lets the replaced files expire
        rerun = cli(location, "--expire-after", "0")
        assert rerun.returncode == 0, rerun.stderr
        assert rerun.stdout.startswith("compact: ") and rerun.stdout.count("\n") == 1
    table = open_table(location)
    assert table.scan().to_arrow().sort_by("request_id").to_pylist() == before_rows
    live = [f.split("/invocations/")[1] for f in live_files(table)]
    assert len(live) == 2 and data_dir_files(location) == live  # nothing else left on disk


def test_busy_local_lake_exits_75(location: TableLocation) -> None:
    three_runs(location)
    with LakeLock(Path(location.lake)):
        busy = cli(location)
    assert busy.returncode == 75 and "lake" in busy.stderr
    assert len(live_files(open_table(location))) == 6


def test_migrated_hive_files_are_compacted_then_removed(location: TableLocation) -> None:
    lake = Path(location.lake)
    for day, names in (("2026-11-02", "ab"), ("2026-11-03", "c")):
        folder = lake / "invocations" / f"date={day}"
        folder.mkdir(parents=True)
        for name in names:
            pq.write_table(day_rows(f"h{name}", 3, days=(day,)), folder / f"part-{name}.parquet")
    s = compact(location)  # registers them in the table first (no rewrite), then compacts
    assert (s.files_before, s.files_after, s.rows) == (3, 2, 9)
    table = open_table(location)
    assert request_ids(table) == sorted(f"h{n}-{i}" for n in "abc" for i in range(3))
    assert any("/date=2026-11-03/part-c.parquet" in f for f in live_files(table))
    assert (lake / "invocations/date=2026-11-02/part-a.parquet").exists()  # until expiry
    compact(location, retention=timedelta(0))
    assert not list((lake / "invocations/date=2026-11-02").glob("*.parquet"))  # orphans now
    assert (lake / "invocations/date=2026-11-03/part-c.parquet").exists()  # still live
    assert request_ids(open_table(location)) == request_ids(table)


def test_run_records_are_merged_and_still_read_once_each(location: TableLocation) -> None:
    lake = Path(location.lake)
    three_runs(location)
    runs = lake / "_runs"
    runs.mkdir()
    for i in range(3):
        (runs / f"run-{i}.json").write_text(f'{{"run_id": "{i}", "rows_written": 4}}\n')
    with LakeLock(lake):
        s = compact(location)
    (merged,) = runs.glob("run-*.json")
    assert merged.name == "run-2-compacted.json" and s.run_records_merged == 3
    assert merged.read_text().splitlines() == [f'{{"run_id": "{i}", "rows_written": 4}}'
                                               for i in range(3)]


def test_duplicate_scan_reads_only_the_lakes_own_files(tmp_path: Path) -> None:
    """Issue 10's rule: a lake path is literal. With "lake[1]" unescaped, DuckDB reads the
    same relative paths under a sibling "lake1" instead."""
    location = resolve(tmp_path / "lake[1]")
    table = open_table(location)
    table.append(day_rows("x", 4))  # no deduped_against: compact scans for duplicates
    table.append(day_rows("x", 2))
    shutil.copytree(tmp_path / "lake[1]", tmp_path / "lake1")
    for f in (tmp_path / "lake1").rglob("*.parquet"):  # same paths, other request IDs
        pq.write_table(day_rows("other", 1), f)
    s = compact(location)
    assert (s.duplicates_dropped, s.rows) == (2, 4)
    assert request_ids(open_table(location)) == ["x-0", "x-1", "x-2", "x-3"]
