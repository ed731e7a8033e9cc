"""Issue 10: dedupe by the whole requestId across the whole lake, with a winner that does
not depend on date partitions or on the order of the arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from bedrock_logbook.ingest.read import dedupe_key
from tests.core.lakeutil import snapshot, table_paths, write_batch
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[2]
RID = "12345678-1234-1234-1234-123456789abc"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def rows(lake: Path) -> list[tuple[str, str, int]]:
    return duckdb.execute(
        "SELECT request_id, CAST(CAST(ts AS DATE) AS VARCHAR), output_tokens "
        "FROM read_parquet(?) ORDER BY ALL", [table_paths(lake)]).fetchall()


def test_one_request_logged_on_two_days_is_stored_once(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    write_batch(a, [converse(RID, timestamp="2026-11-02T23:59:59Z", output_tokens=5)])
    write_batch(b, [converse(RID, timestamp="2026-11-03T00:00:01Z", output_tokens=7)])
    lake = str(tmp_path / "lake")
    first = cli("ingest", "files", str(a), str(b), "--lake", lake, "--salt", "s")
    assert first.returncode == 0, first.stderr
    assert rows(tmp_path / "lake") == [(RID, "2026-11-02", 5)]
    # and across runs: the copy already in the lake wins, whatever its partition
    again = cli("ingest", "files", str(b), "--lake", lake, "--salt", "s", "--json")
    assert '"duplicates": 1' in again.stdout and rows(tmp_path / "lake") == [
        (RID, "2026-11-02", 5)]


def test_winner_does_not_depend_on_argument_order(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    write_batch(a, [converse(RID, output_tokens=5)])
    write_batch(b, [converse(RID, output_tokens=7)])
    for order, lake in (((a, b), "l1"), ((b, a), "l2")):
        r = cli("ingest", "files", *map(str, order), "--lake", str(tmp_path / lake),
                "--salt", "s")
        assert r.returncode == 0, r.stderr
    # The documented winner: the first copy in path order (a/ before b/).
    assert rows(tmp_path / "l1") == rows(tmp_path / "l2") == [(RID, "2026-11-02", 5)]
    assert snapshot(tmp_path / "l1") == snapshot(tmp_path / "l2")


def test_ids_differing_by_hyphen_position_or_case_are_different_requests(
        tmp_path: Path) -> None:
    moved = "12345678-12341-234-1234-123456789abc"  # same hex digits, a hyphen moved
    upper = RID.upper()
    assert len({dedupe_key(RID), dedupe_key(moved), dedupe_key(upper)}) == 3
    write_batch(tmp_path / "logs", [converse(RID), converse(moved), converse(upper)])
    r = cli("ingest", "files", str(tmp_path / "logs"), "--lake", str(tmp_path / "lake"))
    assert r.returncode == 0, r.stderr
    assert sorted(x[0] for x in rows(tmp_path / "lake")) == sorted([RID, moved, upper])
