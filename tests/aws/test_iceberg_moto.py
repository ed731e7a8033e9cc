"""The Iceberg table on S3, against a moto server over HTTP: a SQL catalog over an S3 warehouse,
AWS Glue as far as moto serves it, two writer processes at once, and DuckDB reading the planned
``s3://`` files without downloading an extension.

moto 5.2.5 serves every Glue call pyiceberg makes but does not check UpdateTable's VersionId,
which is what makes concurrent Glue commits safe on AWS (see docs/iceberg.md); concurrency is
therefore proven here with the SQL catalog, and a canary test says when moto starts checking.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.table import (
    append,
    open_table,
)
from bedrock_logbook.lake.location import (
    TableLocation,
    local_path,
    resolve,
)
from bedrock_logbook.lake.reading import (
    data_files,
    duckdb_filesystem,
)
from tests.core.lakeutil import table_files, write_batch
from tests.core.records import converse

pytestmark = pytest.mark.aws

BUCKET = "team-lake"
UTC = dt.UTC


def rows(prefix: str, n: int, day: int = 1) -> pa.Table:
    specs = [{"request_id": f"{prefix}-{i}",
              "ts": dt.datetime(2026, 11, day + i % 2, 8, i % 60, tzinfo=UTC),
              "input_tokens": i, "request_metadata": [("writer", prefix)]} for i in range(n)]
    full = [{name: s.get(name) for name in INVOCATIONS_SCHEMA.names} for s in specs]
    return pa.Table.from_pylist(full, schema=INVOCATIONS_SCHEMA)


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def sql_on_s3(bucket: str, tmp_path: Path) -> TableLocation:
    """A SQLite SQL catalog (local file) whose warehouse is the moto S3 bucket."""
    return resolve(f"s3://{bucket}/prod", f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}")


def duck(location: TableLocation) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register_filesystem(duckdb_filesystem(location))
    return con


def s3_keys(s3: Any, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_sql_catalog_over_s3_round_trip_and_duckdb_reads_the_planned_files(
        sql_on_s3: TableLocation, s3: Any) -> None:
    written = rows("a", 6)
    append(open_table(sql_on_s3), written)

    table = open_table(sql_on_s3)  # a fresh catalog connection
    back = table.scan().to_arrow().sort_by("request_id")
    assert back.schema.equals(INVOCATIONS_SCHEMA, check_metadata=False)
    assert back.to_pylist() == written.sort_by("request_id").to_pylist()

    files = data_files(table)
    assert len(files) == 2  # one per day(ts): Nov 1 and Nov 2
    assert all(f.startswith(f"s3://{BUCKET}/prod/invocations/data/ts_day=2026-11-0")
               for f in files)
    keys = s3_keys(s3, "prod/invocations/")
    assert {f.removeprefix(f"s3://{BUCKET}/") for f in files} <= set(keys)
    assert any(k.startswith("prod/invocations/metadata/") for k in keys)

    got = duck(sql_on_s3).execute(
        "SELECT count(*), sum(input_tokens), count(DISTINCT request_metadata['writer']) "
        "FROM read_parquet($f, hive_partitioning = false)", {"f": files}).fetchall()
    assert got == [(6, 0 + 1 + 2 + 3 + 4 + 5, 1)]


def _writer(location: TableLocation, prefix: str, barrier: Any) -> None:
    """One ingest host: open the table, wait for the other, append 40 rows as one snapshot."""
    table = open_table(location)
    batch = rows(prefix, 40)
    barrier.wait(timeout=60)
    append(table, batch)


def test_two_writer_processes_at_once_both_land(sql_on_s3: TableLocation) -> None:
    open_table(sql_on_s3)  # created up front, as the first ingest would
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(sql_on_s3, p, barrier)) for p in ("x", "y")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]

    table = open_table(sql_on_s3)
    ids = table.scan().to_arrow().column("request_id").to_pylist()
    assert len(ids) == 80 and len(set(ids)) == 80
    assert {i.split("-")[0] for i in ids} == {"x", "y"}
    assert len(table.snapshots()) == 2


def test_glue_catalog_on_moto_round_trip(bucket: str, aws_env: dict[str, str]) -> None:
    location = resolve(f"s3://{bucket}/prod", None)
    assert location.kind == "glue"
    append(open_table(location), rows("g", 4))
    writer_b = open_table(location)
    append(open_table(location), rows("h", 2))
    append(writer_b, rows("k", 2))  # stale: re-applied on top of h's snapshot

    table = open_table(location)
    ids = sorted(table.scan().to_arrow().column("request_id").to_pylist())
    assert ids == ["g-0", "g-1", "g-2", "g-3", "h-0", "h-1", "k-0", "k-1"]
    glue = boto3.client("glue").get_table(DatabaseName="bedrock_logbook", Name="invocations")
    params = glue["Table"]["Parameters"]
    assert params["table_type"] == "ICEBERG"
    assert params["metadata_location"] == table.metadata_location
    got = duck(location).execute("SELECT count(*) FROM read_parquet($f, hive_partitioning=false)",
                                 {"f": data_files(table)}).fetchall()
    assert got == [(8,)]


def test_canary_moto_glue_ignores_update_table_version_id(bucket: str,
                                                          aws_env: dict[str, str]) -> None:
    """Real Glue rejects UpdateTable with a stale VersionId (ConcurrentModificationException);
    moto 5.2.5 accepts it, so two racing Glue writers can lose a snapshot on moto. When this
    fails, moto checks VersionId: add a concurrent-writers test on Glue like the SQL one."""
    append(open_table(resolve(f"s3://{bucket}/prod", None)), rows("v", 1))
    glue = boto3.client("glue")
    table = glue.get_table(DatabaseName="bedrock_logbook", Name="invocations")["Table"]
    assert table["VersionId"] != "0"
    table_input = {k: table[k] for k in ("Name", "Parameters", "StorageDescriptor", "TableType")}
    glue.update_table(DatabaseName="bedrock_logbook", TableInput=table_input, VersionId="0")


def test_duckdb_over_planned_s3_files_counts_what_the_local_lake_counts(
        sql_on_s3: TableLocation, tmp_path: Path) -> None:
    logs, lake = tmp_path / "logs", tmp_path / "hive"
    for day, n in (("01", 5), ("02", 3)):
        write_batch(logs, [converse(f"{day}-{i}", timestamp=f"2026-11-{day}T10:0{i}:00Z")
                           for i in range(n)],
                    hour=f"2026/11/{day}/10", name=f"202611{day}T100000000Z_{day}.json.gz")
    files, skipped = list_local(logs)
    with LakeLock(lake):
        summary = ingest_objects(lake, read_local(files), skipped=skipped,
                                 options=IngestOptions(salt="s", workers=1))
    assert summary.rows_written == 8

    local_files = [local_path(u) for u in table_files(lake)]
    rows_ = pa.concat_tables([pq.read_table(p) for p in local_files])
    append(open_table(sql_on_s3), rows_.select(INVOCATIONS_SCHEMA.names).cast(INVOCATIONS_SCHEMA))

    per_day = ("SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d') d, count(*), "
               "sum(input_tokens) FROM read_parquet($f, hive_partitioning = false) "
               "GROUP BY d ORDER BY d")
    local = duckdb.connect().execute(per_day, {"f": local_files})
    remote = duck(sql_on_s3).execute(per_day, {"f": data_files(open_table(sql_on_s3))})
    expected = [("2026-11-01", 5, 500), ("2026-11-02", 3, 300)]  # converse(): 100 input tokens
    assert local.fetchall() == remote.fetchall() == expected


def test_the_aws_variables_reach_the_test_server(aws_env: dict[str, str]) -> None:
    """The table layer takes the endpoint from AWS_ENDPOINT_URL, as every AWS tool does."""
    assert resolve("s3://b/p", None).properties["s3.endpoint"] == os.environ["AWS_ENDPOINT_URL"]
