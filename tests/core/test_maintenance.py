"""Snapshot expiry and orphan-file removal on a local table: what a killed writer left is
deleted, what any live snapshot references never is."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bedrock_logbook.ingest.compact import compact
from bedrock_logbook.ingest.maintenance import (
    OrphanCheckError,
    expire_snapshots,
    parse_duration,
    path_key,
    remove_orphans,
    snapshots_to_expire,
)
from bedrock_logbook.ingest.table import open_table
from bedrock_logbook.lake.location import TableLocation, local_path, resolve
from tests.core.tablerows import day_rows, ingest, kill_during_append, live_files, request_ids


@pytest.fixture
def location(tmp_path: Path) -> TableLocation:
    return resolve(tmp_path / "lake")


def files_under(location: TableLocation) -> dict[str, str]:
    root = Path(location.lake) / "invocations"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def snap(sid: int, parent: int | None, ts: int) -> Any:
    return SimpleNamespace(snapshot_id=sid, parent_snapshot_id=parent, timestamp_ms=ts)


def test_a_snapshot_expires_by_when_it_stopped_being_current() -> None:
    # 1 (t=0) <- 2 (t=10) <- 3 (t=20, current); 9 is off the branch (t=5).
    snaps = [snap(1, None, 0), snap(2, 1, 10), snap(3, 2, 20), snap(9, 1, 5)]
    # cutoff 15: 1 was superseded at 10 (expires), 2 at 20 (kept), 9 committed at 5 (expires).
    assert snapshots_to_expire(snaps, 3, set(), 15) == [1, 9]
    assert snapshots_to_expire(snaps, 3, {1}, 15) == [9]  # protected
    assert snapshots_to_expire(snaps, 3, set(), 100) == [1, 2, 9]  # never the current one
    assert snapshots_to_expire(snaps, 3, set(), 5) == []


def test_durations() -> None:
    assert parse_duration("0") == timedelta(0)
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration(" 30m ") == timedelta(minutes=30)
    with pytest.raises(ValueError):
        parse_duration("a week")


def test_path_key() -> None:
    assert path_key("file:///a/b=c/d.parquet") == "/a/b=c/d.parquet"
    assert path_key("s3://bucket/p/x.avro") == "bucket/p/x.avro"


def test_a_killed_append_leaves_orphans_that_go_and_live_files_stay(
        location: TableLocation) -> None:
    table = open_table(location)
    for run in range(2):
        ingest(table, day_rows(f"r{run}", 4))
    kept = files_under(location)
    ids = request_ids(table)

    kill_during_append(location.lake, None, "killed", 4)
    left = {k: v for k, v in files_under(location).items() if k not in kept}
    kinds = sorted({name.split("/")[0] + ("/snap" if "/snap-" in name else "") for name in left})
    # two data files (two days), its manifest(s) and its manifest list
    assert kinds == ["data", "metadata", "metadata/snap"]
    assert len([k for k in left if k.startswith("data/")]) == 2
    assert request_ids(open_table(location)) == ids  # never committed

    young = remove_orphans(open_table(location), older_than=timedelta(hours=1))
    assert (young.removed, young.too_young) == (0, len(left))
    gone = remove_orphans(open_table(location), older_than=timedelta(0))
    assert gone.removed == len(left)
    assert files_under(location) == kept  # every referenced file, byte for byte
    assert request_ids(open_table(location)) == ids


def test_expired_snapshots_files_go_live_and_recent_ones_stay(
        location: TableLocation) -> None:
    table = open_table(location)
    for run in range(3):
        ingest(table, day_rows(f"r{run}", 4))
    first_files = live_files(table)
    compact(location)  # default retention: the replaced files stay a week
    assert all(Path(local_path(f)).exists() for f in first_files)
    table = open_table(location)
    assert expire_snapshots(table) == 0
    # A week and a day later the ingest snapshots are due; the clean reset's parent stays
    # (pyiceberg would otherwise null the reset's parent and readers would see it dirty).
    later = datetime.now(UTC) + timedelta(days=8)
    assert expire_snapshots(table, now=later) == 2
    assert remove_orphans(table, older_than=timedelta(0)).removed > 0
    assert all(Path(local_path(f)).exists() for f in first_files)  # the parent references them
    summary = compact(location, now=later)  # an empty clean reset; then the old one's parent
    assert summary.snapshots_expired == 1 and summary.orphans_removed >= 6
    assert not any(Path(local_path(f)).exists() for f in first_files)
    assert all(Path(local_path(f)).exists() for f in live_files(open_table(location)))
    assert request_ids(open_table(location)) == sorted(f"r{r}-{i}" for r in range(3)
                                                       for i in range(4))


def test_orphan_removal_refuses_when_a_live_file_is_missing(location: TableLocation) -> None:
    table = open_table(location)
    ingest(table, day_rows("r", 4))
    victim = Path(local_path(live_files(table)[0]))
    victim.unlink()
    stray = Path(location.lake) / "invocations" / "data" / "stray.parquet"
    stray.write_bytes(b"x")
    with pytest.raises(OrphanCheckError):
        remove_orphans(open_table(location), older_than=timedelta(0))
    assert stray.exists()  # nothing deleted on a basis that cannot be trusted
