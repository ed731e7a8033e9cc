"""`ingest` into an ``s3://`` lake (the Iceberg table on a moto server over HTTP): what a local
lake guarantees, re-proven on S3 without a lock. Concurrency and kills use the SQL catalog
(SQLite) over the moto S3 warehouse, because moto's Glue ignores UpdateTable's VersionId
(docs/iceberg.md); Glue, the default for ``s3://`` lakes, gets a round trip."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from bedrock_logbook.ingest.lake import LakeError
from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.ingest.shared_salt import SALT_DIR, SALT_PROPERTY, table_and_salt
from bedrock_logbook.ingest.table import (
    NO_SNAPSHOT,
    SNAPSHOT_DEDUPED_AGAINST,
    SNAPSHOT_OPERATION,
    SNAPSHOT_RUN_ID,
)
from bedrock_logbook.lake.catalog import load_table, open_catalog
from bedrock_logbook.lake.location import DERIVED_TABLES, TableLocation, resolve
from tests.aws.conftest import CLI, REPO, comparable, read_rows, run_cli
from tests.core.lakeutil import write_batch
from tests.core.records import converse

pytestmark = pytest.mark.aws

BUCKET = "team-lake"
LAKE = f"s3://{BUCKET}/prod"


def rid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def make_logs(root: Path, ids: range, *, bad_line: bool = False, name: str = "a") -> Path:
    """Two hour folders (two days of records), rid 0 delivered twice, optionally a bad line."""
    half = len(ids) // 2
    first = [converse(rid(i), timestamp=f"2026-11-02T10:{i % 60:02d}:00Z") for i in ids[:half]]
    second = [converse(rid(i), timestamp=f"2026-11-03T11:{i % 60:02d}:00Z") for i in ids[half:]]
    write_batch(root, [*first, converse(rid(ids[0]), timestamp="2026-11-02T10:00:00Z")],
                hour="2026/11/02/10", name=f"20261102T100000000Z_{name}000000000000000.json.gz")
    write_batch(root, [*second, *([b"{not json"] if bad_line else [])],
                hour="2026/11/03/11", name=f"20261103T110000000Z_{name}111111111111111.json.gz")
    return root


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def sql_catalog(bucket: str, tmp_path: Path) -> str:
    return f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}"


def ingest(paths: list[Path], lake: str, env: dict[str, str], *extra: str
           ) -> subprocess.CompletedProcess[str]:
    return run_cli(["ingest", "files", *map(str, paths), "--lake", lake, "--salt", "s",
                    "--workers", "1", "--json", *extra], env)


def ingest_at_once(paths: list[Path], lake: str, catalog: str, env: dict[str, str]
                   ) -> list[dict[str, Any]]:
    """One ``ingest files`` process per path, all started before any is waited for; their
    JSON summaries (each must exit 0)."""
    full_env = {**os.environ, **env}
    args = ["--lake", lake, "--catalog", catalog, "--salt", "s", "--workers", "1", "--json"]
    procs = [subprocess.Popen([*CLI, "ingest", "files", str(p), *args], env=full_env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in paths]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(paths), [o[1] for o in outs]
    return [json.loads(o[0]) for o in outs]


def summary_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def run_records(location: TableLocation) -> list[dict[str, Any]]:
    files = LakeFiles.of(location)
    return [json.loads(line) for n in files.names("_runs", "run-", ".json")
            for line in (files.read(f"_runs/{n}") or b"").splitlines() if line.strip()]


def snapshots(location: TableLocation) -> list[Any]:
    table = load_table(location)
    return [] if table is None else list(table.snapshots())


def test_ingest_to_s3_with_a_sql_catalog_matches_a_local_lake_and_reruns_commit_nothing(
        sql_catalog: str, aws_env: dict[str, str], tmp_path: Path, s3: Any) -> None:
    logs = make_logs(tmp_path / "logs", range(10), bad_line=True)
    local = tmp_path / "local"
    summary_of(ingest([logs], str(local), aws_env))
    first = summary_of(ingest([logs], LAKE, aws_env, "--catalog", sql_catalog))
    # 10 records + rid 0 twice + a bad line: nothing lost.
    assert (first["lines"], first["rows_written"], first["duplicates"],
            first["quarantined"]) == (12, 10, 1, 1)
    assert first["balanced"]

    location = resolve(LAKE, sql_catalog)
    assert comparable(read_rows(location)) == comparable(read_rows(local))
    assert [r["reason"] for r in read_rows(location, "quarantine")] == ["malformed_json"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {k.split("/")[1] for k in keys} == {"invocations", "quarantine", "_runs", "_state",
                                               SALT_DIR, *DERIVED_TABLES}
    assert any(k.startswith("prod/invocations/data/ts_day=2026-11-03/") for k in keys)
    (snap,) = snapshots(location)
    props = snap.summary.additional_properties
    assert props[SNAPSHOT_OPERATION] == "ingest"
    assert props[SNAPSHOT_RUN_ID] == first["run_id"]
    assert props[SNAPSHOT_DEDUPED_AGAINST] == NO_SNAPSHOT

    again = summary_of(ingest([logs], LAKE, aws_env, "--catalog", sql_catalog))
    assert (again["rows_written"], again["duplicates"], again["quarantined"]) == (0, 11, 1)
    assert len(snapshots(location)) == 1  # the rerun committed no snapshot
    more = make_logs(tmp_path / "more", range(8, 14), name="b")  # 8, 9 are stored already
    third = summary_of(ingest([more], LAKE, aws_env, "--catalog", sql_catalog))
    assert (third["rows_written"], third["duplicates"]) == (4, 3)
    second = snapshots(location)[-1]
    assert second.summary.additional_properties[SNAPSHOT_DEDUPED_AGAINST] == str(snap.snapshot_id)
    assert second.parent_snapshot_id == snap.snapshot_id
    assert sorted(r["request_id"] for r in read_rows(location)) == [rid(i) for i in range(14)]
    records = run_records(location)
    assert len(records) == 3
    assert all(r["lines"] == r["rows_written"] + r["duplicates"] + r["quarantined"]
               for r in records)
    assert sum(r["rows_written"] for r in records) == 14


def test_ingest_to_s3_with_glue_the_default_catalog(bucket: str, aws_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    logs = make_logs(tmp_path / "logs", range(6))
    done = summary_of(ingest([logs], LAKE, aws_env))
    assert (done["rows_written"], done["duplicates"]) == (6, 1)
    location = resolve(LAKE)
    assert location.kind == "glue"
    assert sorted(r["request_id"] for r in read_rows(location)) == [rid(i) for i in range(6)]
    glue = boto3.client("glue").get_table(DatabaseName="bedrock_logbook", Name="invocations")
    params = glue["Table"]["Parameters"]
    assert params["table_type"] == "ICEBERG"
    # The salt is never where Glue (and Athena users) can read it: only its object's name is.
    salt = json.loads(LakeFiles.of(location).read(load_table(location).properties[SALT_PROPERTY])
                      or b"{}")["salt"]
    assert salt == "s" and all("s" != v for v in params.values())
    assert summary_of(ingest([logs], LAKE, aws_env))["rows_written"] == 0
    assert len(snapshots(location)) == 1


def test_two_ingest_processes_at_once_into_one_s3_table_both_land(
        sql_catalog: str, aws_env: dict[str, str], tmp_path: Path) -> None:
    a = make_logs(tmp_path / "a", range(0, 60), name="a")
    b = make_logs(tmp_path / "b", range(40, 100), name="b")  # 40..59 in both
    summaries = ingest_at_once([a, b], LAKE, sql_catalog, aws_env)
    assert all(s["balanced"] for s in summaries)

    location = resolve(LAKE, sql_catalog)
    ids = [r["request_id"] for r in read_rows(location)]
    assert set(ids) == {rid(i) for i in range(100)}  # the union, exactly
    assert len(ids) == sum(s["rows_written"] for s in summaries)
    snaps = snapshots(location)
    assert len(snaps) == 2 and all(
        s.summary.additional_properties[SNAPSHOT_OPERATION] == "ingest" for s in snaps)
    raced = [s for s in snaps if s.parent_snapshot_id is not None and
             s.summary.additional_properties[SNAPSHOT_DEDUPED_AGAINST]
             != str(s.parent_snapshot_id)]
    # A request ID stored twice is only possible when one writer committed on top of a
    # snapshot it did not dedupe against, and then the snapshot says so (readers dedupe).
    if len(ids) > 100:
        assert raced
    # Every run's state and record landed: a third run reads nothing new.
    again = summary_of(ingest([a, b], LAKE, aws_env, "--catalog", sql_catalog))
    assert again["rows_written"] == 0
    assert len(run_records(location)) == 3


KILL_POINTS = {"after_partition_write": 0, "before_table_commit": 0, "after_table_commit": 1,
               "before_state_commit": 1}


def test_sigkill_at_crash_points_on_s3_then_rerun_equals_an_uninterrupted_run(
        sql_catalog: str, aws_env: dict[str, str], tmp_path: Path, bucket: str) -> None:
    first = make_logs(tmp_path / "first", range(0, 4), name="a")
    logs = make_logs(tmp_path / "logs", range(2, 12), bad_line=True, name="b")
    reference = f"s3://{BUCKET}/reference"
    for paths in ([first], [logs]):
        summary_of(ingest(paths, reference, aws_env, "--catalog", sql_catalog))
    expected = comparable(read_rows(resolve(reference, sql_catalog)))
    expected_q = read_rows(resolve(reference, sql_catalog), "quarantine")
    assert len(expected) == 12 and len(expected_q) == 1

    for n, (point, committed) in enumerate(KILL_POINTS.items()):
        lake = f"s3://{BUCKET}/killed-{n}"
        catalog = f"sql:sqlite:///{tmp_path / f'catalog-{n}.sqlite'}"
        location = resolve(lake, catalog)
        summary_of(ingest([first], lake, aws_env, "--catalog", catalog))
        before = [s.snapshot_id for s in snapshots(location)]
        killed = run_cli(["ingest", "files", str(logs), "--lake", lake, "--catalog", catalog,
                          "--salt", "s", "--workers", "1"],
                         {**aws_env, "BEDROCK_LOGBOOK_CRASH_AT": point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        after = [s.snapshot_id for s in snapshots(location)]
        assert after[:len(before)] == before and len(after) == len(before) + committed, point
        rerun = summary_of(ingest([logs], lake, aws_env, "--catalog", catalog))
        assert rerun["balanced"], point
        assert comparable(read_rows(location)) == expected, point
        assert read_rows(location, "quarantine") == expected_q, point
        assert len(snapshots(location)) == 2, point  # the killed run's, or the rerun's


def test_two_hosts_creating_the_lake_at_once_share_one_salt(
        sql_catalog: str, aws_env: dict[str, str]) -> None:
    location = resolve(LAKE, sql_catalog)
    # The catalog's own SQL tables exist before the hosts race (a shared catalog is set up
    # once; pyiceberg's SqlCatalog creating them from two processes at once is its own race).
    open_catalog(location)
    got: list[bytes] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def host() -> None:  # its own lake handle and catalog connection
        try:
            files = LakeFiles.of(resolve(LAKE, sql_catalog))
            catalog = open_catalog(files.location)
            barrier.wait(timeout=30)
            got.append(table_and_salt(files, catalog, None)[1])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=host) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(got) == 2 and got[0] == got[1] and len(got[0]) == 32
    files = LakeFiles.of(location)
    table = load_table(location)
    assert table is not None
    # One salt object survives: the one the table names (a loser removes its own).
    assert [f"{SALT_DIR}/{n}" for n in files.names(SALT_DIR)] == [table.properties[SALT_PROPERTY]]
    assert got[0].decode() not in json.dumps(dict(table.properties))
    with pytest.raises(LakeError, match="--salt differs"):
        table_and_salt(files, open_catalog(location), "another")
    assert table_and_salt(files, open_catalog(location), got[0].decode())[1] == got[0]
