"""Issue 12 on an ``s3://`` lake (moto over HTTP, the SQL catalog over the moto S3 warehouse,
as the other concurrency tests): the rollup tables live at ``<lake>/rollup_hourly`` and
``<lake>/rollup_daily``, two ingests at once, a kill between the raw and the rollup commits
and its rerun, then ``compact``: after each step both rollups equal the rollup of the raw
table's current rows read independently (tests/core/rollup_lake.py), and no file a killed
refresh wrote is left once compact removed orphans."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.maintenance import path_key, referenced_files
from bedrock_logbook.lake.location import resolve
from tests.aws.conftest import run_cli
from tests.aws.test_ingest_to_s3_lake import BUCKET, ingest_at_once, make_logs
from tests.core.rollup_lake import (
    TABLES,
    expected_rollups,
    raw_snapshot,
    rollup_of,
    rollup_table,
    stored_rollups,
)

pytestmark = pytest.mark.aws

LAKE = f"s3://{BUCKET}/rollups"


def keys_under(s3: Any, folder: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                         Prefix=f"rollups/{folder}/")
    return {f"{BUCKET}/{o['Key']}" for page in pages for o in page.get("Contents", [])
            if not o["Key"].endswith("/")}  # Arrow's folder markers


def test_rollups_follow_ingests_races_a_kill_and_compact_on_s3(
        s3: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    s3.create_bucket(Bucket=BUCKET)
    catalog = f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}"
    location = resolve(LAKE, catalog)
    a = make_logs(tmp_path / "a", range(0, 40), name="a")
    b = make_logs(tmp_path / "b", range(30, 90), name="b")  # 30..39 also in a
    c = make_logs(tmp_path / "c", range(80, 130), name="c")
    d = make_logs(tmp_path / "d", range(125, 160), name="d")
    args = ["--lake", LAKE, "--catalog", catalog, "--salt", "s", "--workers", "1"]

    def check() -> None:
        assert stored_rollups(location) == expected_rollups(location)
        for name in TABLES:
            assert rollup_of(location, name) == raw_snapshot(location)

    assert run_cli(["ingest", "files", str(a), *args], aws_env).returncode == 0
    check()
    for name in TABLES:
        assert rollup_table(location, name).metadata.location == f"{LAKE}/{name}"
    hourly = dict(stored_rollups(location))[TABLES[0]]
    assert sum(dict(r)["requests"] for r in hourly) == 40  # rid 0 twice in a: once

    # Two ingests at once: whichever commits its rollups last reflects both raw snapshots.
    assert all(s["balanced"] for s in ingest_at_once([b, c], LAKE, catalog, aws_env))
    check()

    killed = run_cli(["ingest", "files", str(d), *args],
                     {**aws_env, "BEDROCK_LOGBOOK_CRASH_AT": "before_rollup_commit"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert rollup_of(location, TABLES[0]) != raw_snapshot(location)
    written = set().union(*(keys_under(s3, n) for n in TABLES))
    referenced = {path_key(f) for n in TABLES for f in referenced_files(rollup_table(location,
                                                                                        n))}
    left_behind = written - referenced
    assert left_behind, "the killed refresh wrote rollup files (else this proves nothing)"
    rerun = run_cli(["ingest", "files", str(d), *args], aws_env)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 new rows" in rerun.stdout and "rollups of 2 days refreshed" in rerun.stdout
    check()
    hourly = dict(stored_rollups(location))[TABLES[0]]
    assert sum(dict(r)["requests"] for r in hourly) == 160

    done = run_cli(["compact", "--lake", LAKE, "--catalog", catalog,
                    "--orphans-older-than", "0"], aws_env, timeout=300)
    assert done.returncode == 0, done.stderr
    check()
    assert left_behind.isdisjoint(set().union(*(keys_under(s3, n) for n in TABLES)))
