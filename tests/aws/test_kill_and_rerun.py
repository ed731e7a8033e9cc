"""A run killed at any point and rerun leaves exactly the lake an uninterrupted run leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.aws.conftest import CLI, REPO, SALT, run_cli, upload
from tests.aws.log_fixtures import ACCOUNTS, BASE_HOUR, BUCKET, PREFIX, REGIONS, standard_bucket
from tests.core.lakeutil import snapshot

pytestmark = pytest.mark.aws
URI = f"s3://{BUCKET}/{PREFIX}"
CRASH_POINTS = ("after_parse", "after_partition_write", "before_table_commit",
                "after_table_commit", "before_state_commit", "after_state_commit")


def _args(lake: Path) -> list[str]:
    return ["ingest", "s3", URI, "--lake", str(lake), "--salt", SALT, "--workers", "2"]


@pytest.fixture
def loaded(s3: Any) -> None:
    bucket = standard_bucket()
    # Two more days of partitions and a quarantined line, so every crash point has work after it.
    for d in (1, 2):
        bucket.add_batch(ACCOUNTS[0], REGIONS[0], BASE_HOUR.replace(day=10 + d), n=d)
    bucket.add_batch(ACCOUNTS[1], REGIONS[1], BASE_HOUR, n=8, extra_lines=[b"{not json"])
    upload(s3, bucket)


def test_sigkill_at_each_crash_point_then_rerun(
    loaded: None, aws_env: dict[str, str], tmp_path: Path
) -> None:
    reference = tmp_path / "reference"
    assert run_cli(_args(reference), aws_env).returncode == 0
    expected = snapshot(reference)
    assert len([k for k in expected if k.startswith("invocations/20")]) == 3  # 3 days
    assert any(k.startswith("quarantine/") for k in expected)

    for point in CRASH_POINTS:
        lake = tmp_path / point
        killed = run_cli(_args(lake), {**aws_env, "BEDROCK_LOGBOOK_CRASH_AT": point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        rerun = run_cli(_args(lake), aws_env)
        assert rerun.returncode == 0, (point, rerun.stderr)
        assert snapshot(lake) == expected, point
        # And a third run finds nothing new to read.
        third = run_cli([*_args(lake), "--dry-run"], aws_env)
        assert third.stdout.splitlines()[-1].startswith("dry run: 0 objects to read"), point


@pytest.mark.parametrize("delay", [0.8, 1.6])
def test_sigkill_after_a_delay_then_rerun(
    loaded: None, aws_env: dict[str, str], tmp_path: Path, delay: float
) -> None:
    reference = tmp_path / "reference"
    assert run_cli(_args(reference), aws_env).returncode == 0
    lake = tmp_path / "lake"
    proc = subprocess.Popen([*CLI, *_args(lake)], env={**os.environ, **aws_env}, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its parser processes, like an OOM kill
    proc.wait()
    rerun = run_cli(_args(lake), aws_env)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(lake) == snapshot(reference)
