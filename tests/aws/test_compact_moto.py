"""`compact` on an S3 lake served by moto over HTTP, with the SQL catalog (SQLite) over the moto
S3 warehouse (moto's Glue ignores UpdateTable's VersionId, see docs/iceberg.md): duplicates of
racing writers dropped, a concurrent append kept, a killed compaction finished by the next,
and orphans removed only once older than the grace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.compact import CompactSummary, commit_plan, plan_compaction, write_group
from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.maintenance import dedupe_chain
from bedrock_logbook.ingest.table import open_table
from bedrock_logbook.lake.location import TableLocation, resolve
from tests.aws.conftest import run_cli
from tests.core.tablerows import day_rows, ingest, kill_during_append, live_files, request_ids

pytestmark = pytest.mark.aws

BUCKET = "team-lake"
LAKE = f"s3://{BUCKET}/prod"


@pytest.fixture
def catalog(s3: Any, tmp_path: Path) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}"


@pytest.fixture
def location(catalog: str) -> TableLocation:
    return resolve(LAKE, catalog)


def keys(s3: Any, prefix: str = "prod/invocations/") -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def three_runs_and_a_race(location: TableLocation) -> None:
    table = open_table(location)
    first = ingest(table, day_rows("r0", 4))
    for run in (1, 2):
        ingest(table, day_rows(f"r{run}", 4))
    ingest(table, day_rows("r0", 2), against=first)  # a writer that raced run 1: 2 repeats


def test_compact_cli_on_s3_dedupes_merges_and_waits_out_the_grace(
        location: TableLocation, catalog: str, s3: Any, aws_env: dict[str, str]) -> None:
    three_runs_and_a_race(location)
    assert len(live_files(open_table(location))) == 8
    kill_during_append(LAKE, catalog, "killed", 4)
    killed = keys(s3) - {f.removeprefix(f"s3://{BUCKET}/") for f in live_files(
        open_table(location))}

    for i in range(3):
        s3.put_object(Bucket=BUCKET, Key=f"prod/_runs/run-{i}.json",
                      Body=f'{{"run_id": "{i}"}}\n'.encode())

    done = run_cli(["compact", "--lake", LAKE, "--catalog", catalog], aws_env)
    assert done.returncode == 0, done.stderr
    assert {k for k in keys(s3, "prod/_runs/") if k[-1] != "/"} == {
        "prod/_runs/run-2-compacted.json"}
    merged = s3.get_object(Bucket=BUCKET, Key="prod/_runs/run-2-compacted.json")["Body"].read()
    assert merged.decode().splitlines() == [f'{{"run_id": "{i}"}}' for i in range(3)]
    assert done.stdout.startswith("compact: 8 files -> 2 (2 days rewritten), 12 rows, "
                                  "2 duplicates dropped, snapshot ")
    assert done.stdout.count("\n") == 1
    table = open_table(location)
    assert request_ids(table) == sorted(f"r{r}-{i}" for r in range(3) for i in range(4))
    assert dedupe_chain(table)[0] is True
    # The default grace on S3 is 24 h: another host could be between writing and committing.
    assert {k for k in killed if k.startswith("prod/invocations/data/")} <= keys(s3)

    for _ in range(2):  # commit, then let the replaced files' snapshots expire
        now = run_cli(["compact", "--lake", LAKE, "--catalog", catalog, "--expire-after", "0",
                       "--orphans-older-than", "0"], aws_env)
        assert now.returncode == 0, now.stderr
    table = open_table(location)
    live = {f.removeprefix(f"s3://{BUCKET}/") for f in live_files(table)}
    # (Arrow's S3 client leaves an empty "folder/" marker where it deleted a folder's last file.)
    data = {k for k in keys(s3) if k.startswith("prod/invocations/data/") and k[-1] != "/"}
    assert data == live and len(live) == 2  # killed run's files and replaced files gone
    assert request_ids(table) == sorted(f"r{r}-{i}" for r in range(3) for i in range(4))


def test_an_append_during_compaction_on_s3_survives(location: TableLocation) -> None:
    three_runs_and_a_race(location)
    table = open_table(location)
    plan = plan_compaction(table, location)
    assert sum(len(rows) for rows in plan.drop.values()) == 2
    written = [p for g in plan.groups for p in write_group(table, g, plan.drop,
                                                           CompactSummary())]
    late = ingest(open_table(location), day_rows("late", 2))  # another host's catalog handle
    commit_plan(table, plan, written, "run-c")
    table = open_table(location)
    head = table.current_snapshot()
    assert head is not None and head.parent_snapshot_id == late
    assert request_ids(table) == sorted([f"r{r}-{i}" for r in range(3) for i in range(4)]
                                        + ["late-0", "late-1"])


def test_killed_compaction_on_s3_leaves_the_previous_snapshot(
        location: TableLocation, catalog: str, aws_env: dict[str, str]) -> None:
    three_runs_and_a_race(location)
    base = open_table(location).current_snapshot()
    args = ["compact", "--lake", LAKE, "--catalog", catalog, "--orphans-older-than", "0"]
    killed = run_cli(args, {**aws_env, CRASH_ENV: "compact_after_write"})
    assert killed.returncode == -9, killed.stderr
    table = open_table(location)
    assert table.current_snapshot() == base
    assert len(request_ids(table)) == 14  # 12 + the 2 repeats, as before
    rerun = run_cli(args, aws_env)
    assert rerun.returncode == 0, rerun.stderr
    table = open_table(location)
    assert request_ids(table) == sorted(f"r{r}-{i}" for r in range(3) for i in range(4))
    assert len(live_files(table)) == 2


def test_compact_through_the_glue_catalog_on_moto(s3: Any, aws_env: dict[str, str]) -> None:
    """A round trip only: moto's Glue does not check concurrent commits (docs/iceberg.md)."""
    s3.create_bucket(Bucket=BUCKET)
    location = resolve(LAKE, None)
    assert location.kind == "glue"
    three_runs_and_a_race(location)
    done = run_cli(["compact", "--lake", LAKE, "--orphans-older-than", "0"], aws_env)
    assert done.returncode == 0, done.stderr
    assert "8 files -> 2" in done.stdout and "2 duplicates dropped" in done.stdout
    table = open_table(location)
    assert request_ids(table) == sorted(f"r{r}-{i}" for r in range(3) for i in range(4))
    assert dedupe_chain(table)[0] is True
