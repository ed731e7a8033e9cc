"""Issue 13: with the parse in worker processes, the rollup refresh runs in a process of its
own (ingest/rollup_process.py). Same guarantees as in the run's process: the stored rollups
equal the rollup of the raw rows read independently (tests/core/rollup_lake.py), a kill of
the refresh kills the run (exit -9) and the rerun heals, and an error in it reaches the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.ingest.rollup_process import RefreshProcess, RollupProcessError
from bedrock_logbook.lake.location import resolve
from tests.core.rollup_lake import (
    TABLES,
    expected_rollups,
    generated_logs,
    raw_snapshot,
    rollup_of,
    stored_rollups,
)

pytest.importorskip("pyiceberg")

REPO = Path(__file__).resolve().parents[2]
DAY1 = datetime(2026, 11, 1, tzinfo=UTC)


def ingest(lake: Path, src: Path, workers: int) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        return ingest_objects(lake, read_local(files), skipped=skipped,
                              options=IngestOptions(salt="test-salt", workers=workers))


def cli_ingest(lake: Path, src: Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(src), "--lake",
         str(lake), "--salt", "test-salt", "--workers", "2"],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True)


@pytest.fixture
def two_batches(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    generated_logs(a, 300, seed=21, start=DAY1, hours=48, tag="a")
    generated_logs(b, 200, seed=22, start=DAY1 + timedelta(hours=36), hours=40, tag="b")
    return a, b


def test_the_refresh_process_writes_the_rollups_of_the_raw_rows(
        tmp_path: Path, two_batches: tuple[Path, Path]) -> None:
    a, b = two_batches
    lake = tmp_path / "lake"
    first = ingest(lake, a, workers=2)
    assert first.rollup_days == 2  # 48 hours from midnight: two UTC days
    second = ingest(lake, b, workers=2)
    assert second.rollup_days == 3  # hours 36-76: days 2, 3 and 4
    assert stored_rollups(lake) == expected_rollups(lake)
    for name in TABLES:
        assert rollup_of(lake, name) == raw_snapshot(lake)
    # In sync: a rerun starts no refresh and commits nothing.
    assert ingest(lake, b, workers=2).rollup_days == 0


@pytest.mark.parametrize("point", ["before_rollup_commit", "between_rollup_commits"])
def test_a_kill_inside_the_refresh_process_kills_the_run_and_the_rerun_heals(
        tmp_path: Path, two_batches: tuple[Path, Path], point: str) -> None:
    a, b = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a, workers=1)
    killed = cli_ingest(lake, b, {CRASH_ENV: point})
    assert killed.returncode == -9, killed.stderr
    assert rollup_of(lake, TABLES[-1]) != raw_snapshot(lake)  # the kill left them behind
    assert stored_rollups(lake) != expected_rollups(lake)

    rerun = cli_ingest(lake, b)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 new rows" in rerun.stdout and "rollups of 3 days refreshed" in rerun.stdout
    assert stored_rollups(lake) == expected_rollups(lake)


def test_an_error_in_the_refresh_process_is_raised_in_the_run(tmp_path: Path) -> None:
    process = RefreshProcess()
    with pytest.raises(RollupProcessError, match="no invocations table"):
        process.refresh(resolve(tmp_path / "empty"), "run-1")
    with pytest.raises(RollupProcessError, match="already used"):
        process.refresh(resolve(tmp_path / "empty"), "run-2")


def test_a_refresh_process_never_given_a_job_ends_with_close() -> None:
    process = RefreshProcess()
    proc = process._proc
    assert proc is not None
    process.close()
    assert proc.returncode is not None
