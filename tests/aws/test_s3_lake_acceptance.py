"""Issue 11's acceptance, end to end through the CLI on one ``s3://`` lake (moto over HTTP, the
SQL catalog over the moto S3 warehouse: moto's Glue ignores UpdateTable's VersionId).

ingest, two concurrent ingests, a rerun, a kill and its rerun, ``compact``: after each step
``sql`` counts exactly the union of request IDs delivered so far, each once, and at the end no
file the killed run wrote is left behind. The expected IDs are the generator's (``make_logs``
writes request IDs ``rid(i)`` for the ranges below), never read back from the code under test.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.maintenance import path_key, referenced_files
from bedrock_logbook.lake.catalog import load_table
from bedrock_logbook.lake.location import resolve
from bedrock_logbook.lake.reading import table_needs_dedupe
from tests.aws.conftest import run_cli
from tests.aws.test_ingest_to_s3_lake import BUCKET, ingest_at_once, make_logs, rid

pytestmark = pytest.mark.aws

LAKE = f"s3://{BUCKET}/acceptance"


def counted(env: dict[str, str], catalog: str) -> tuple[int, int, set[str]]:
    """``sql``'s answer: rows in ``invocations``, distinct request IDs, and the IDs."""
    done = run_cli(["sql", "SELECT request_id FROM invocations", "--format", "json",
                    "--lake", LAKE, "--catalog", catalog], env)
    assert done.returncode == 0, done.stderr
    ids = [row["request_id"] for row in json.loads(done.stdout)]
    return len(ids), len(set(ids)), set(ids)


def ingest(paths: list[Path], env: dict[str, str], catalog: str, *extra: str
           ) -> subprocess.CompletedProcess[str]:
    return run_cli(["ingest", "files", *map(str, paths), "--lake", LAKE, "--catalog", catalog,
                    "--salt", "s", "--workers", "1", "--json", *extra], env)


def data_keys(s3: Any) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix="acceptance/invocations/data/")
    return {f"{BUCKET}/{o['Key']}" for page in pages for o in page.get("Contents", [])
            if not o["Key"].endswith("/")}


def test_ingest_race_rerun_kill_compact_then_sql_counts_the_union_once(
        s3: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    s3.create_bucket(Bucket=BUCKET)
    catalog = f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}"
    location = resolve(LAKE, catalog)
    a = make_logs(tmp_path / "a", range(0, 40), name="a")
    b = make_logs(tmp_path / "b", range(30, 90), name="b")  # 30..39 also in a
    c = make_logs(tmp_path / "c", range(80, 130), bad_line=True, name="c")  # 80..89 also in b
    d = make_logs(tmp_path / "d", range(125, 160), name="d")  # 125..129 also in c

    # 1. one ingest
    assert ingest([a], aws_env, catalog).returncode == 0
    assert counted(aws_env, catalog) == (40, 40, {rid(i) for i in range(40)})

    # 2. two ingests at once (separate processes), overlapping each other and the table
    assert all(s["balanced"] for s in ingest_at_once([b, c], LAKE, catalog, aws_env))
    assert counted(aws_env, catalog) == (130, 130, {rid(i) for i in range(130)})

    # 3. a rerun of everything so far commits nothing
    table = load_table(location)
    assert table is not None
    snapshots_before = len(list(table.snapshots()))
    again = json.loads(ingest([a, b, c], aws_env, catalog).stdout)
    assert again["rows_written"] == 0 and again["balanced"]
    table = load_table(location)
    assert table is not None and len(list(table.snapshots())) == snapshots_before

    # 4. killed after its data files are written, before the commit: the table is unchanged
    killed = run_cli(["ingest", "files", str(d), "--lake", LAKE, "--catalog", catalog,
                      "--salt", "s", "--workers", "1"],
                     {**aws_env, "BEDROCK_LOGBOOK_CRASH_AT": "before_table_commit"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    table = load_table(location)
    assert table is not None and len(list(table.snapshots())) == snapshots_before
    assert counted(aws_env, catalog)[:2] == (130, 130)
    left_behind = data_keys(s3) - {path_key(f) for f in referenced_files(table)}
    assert left_behind, "the killed run wrote data files (else this test proves nothing)"

    #    and its rerun lands d exactly once
    rerun = json.loads(ingest([d], aws_env, catalog).stdout)
    assert (rerun["rows_written"], rerun["balanced"]) == (30, True)
    assert counted(aws_env, catalog) == (160, 160, {rid(i) for i in range(160)})

    # 5. compact: same answer, a clean table, and nothing the killed run wrote remains
    done = run_cli(["compact", "--lake", LAKE, "--catalog", catalog,
                    "--orphans-older-than", "0"], aws_env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert counted(aws_env, catalog) == (160, 160, {rid(i) for i in range(160)})
    table = load_table(location)
    assert table is not None
    assert not table_needs_dedupe(table)
    assert left_behind.isdisjoint(data_keys(s3))
    assert data_keys(s3) <= {path_key(f) for f in referenced_files(table)}
