"""Readers over an ``s3://`` lake on a moto server over HTTP: the views, ``sql``, quarantine and
run records, the dashboard's locked-down connection re-planned after an append, Glue once.

The table is written with ``ingest.table.append`` (tests/lake_fixtures.py) into a SQL catalog
(SQLite file) over the moto S3 warehouse; side files are put with boto3 where the writer puts
them (``<lake>/quarantine/``, ``<lake>/_runs/``). Nothing is downloaded: DuckDB reads through
Arrow's S3 client registered as a filesystem (checked by the connection having no httpfs).
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook import queries
from bedrock_logbook.dashboard.data import allow_reading_only
from bedrock_logbook.ingest.schema import QUARANTINE_SCHEMA
from bedrock_logbook.lake.location import TableLocation, resolve
from tests.aws.conftest import run_cli
from tests.lake_fixtures import write_invocations

pytestmark = pytest.mark.aws

BUCKET = "team-lake"
LAKE = f"s3://{BUCKET}/prod"
H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"


def _rows(prefix: str, n: int, day: int = 1) -> list[dict[str, Any]]:
    return [{"request_id": f"{prefix}-{i}", "ts": f"2026-11-{day:02d}T{i % 24:02d}:00:00Z",
             "model": H35, "model_id": H35, "input_tokens": 10, "output_tokens": 1,
             "source": f"s3://logs/{prefix}.json.gz", "source_line": i} for i in range(n)]


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def catalog(tmp_path: Path) -> str:
    return f"sql:sqlite:///{tmp_path / 'catalog.sqlite'}"


@pytest.fixture
def location(bucket: str, catalog: str) -> TableLocation:
    return resolve(LAKE, catalog)


def _put_side_files(s3: Any) -> None:
    quarantine = pa.Table.from_pylist(
        [{"source": "s3://logs/x.json.gz", "source_line": 3, "reason": "malformed_json",
          "raw": "{"}], schema=QUARANTINE_SCHEMA)
    buf = io.BytesIO()
    pq.write_table(quarantine, buf)
    s3.put_object(Bucket=BUCKET, Key="prod/quarantine/part-abc.parquet", Body=buf.getvalue())
    for run_id, rows in (("r1", 30), ("r2", 20)):
        record = {"run_id": run_id, "started_at": "2026-11-02T00:00:00+00:00",
                  "finished_at": "2026-11-02T00:00:05+00:00", "seconds": 5.0,
                  "source": "s3", "lines": rows, "rows_written": rows, "duplicates": 0,
                  "quarantined": 0}
        s3.put_object(Bucket=BUCKET, Key=f"prod/_runs/run-{run_id}.json",
                      Body=(json.dumps(record) + "\n").encode())


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_views_read_the_s3_table_and_its_side_files(location: TableLocation, catalog: str,
                                                    s3: Any) -> None:
    write_invocations(location, _rows("a", 30))
    write_invocations(location, _rows("b", 20, day=2))
    _put_side_files(s3)
    started = time.perf_counter()
    con = queries.connect(LAKE, catalog=catalog)
    requests = _one(con, "SELECT requests FROM summary_overview")
    print(f"connect + first query on moto S3: {time.perf_counter() - started:.2f} s")
    assert requests == 50
    assert con.execute("SELECT CAST(date AS VARCHAR), count(*) FROM raw_invocations "
                       "GROUP BY ALL ORDER BY 1").fetchall() == [("2026-11-01", 30),
                                                                 ("2026-11-02", 20)]
    assert con.execute("SELECT reason, source_line FROM raw_quarantine").fetchall() == [
        ("malformed_json", 3)]
    assert sorted(con.execute("SELECT run_id, rows_written FROM raw_runs").fetchall()) == [
        ("r1", 30), ("r2", 20)]
    # Nothing was downloaded: no httpfs extension is loaded (or installed) in this connection.
    assert con.execute("SELECT count(*) FROM duckdb_extensions() WHERE extension_name = "
                       "'httpfs' AND (loaded OR installed)").fetchall() == [(0,)]


def test_empty_s3_table_gives_typed_empty_views(location: TableLocation, catalog: str) -> None:
    write_invocations(location, [])  # the table exists, no snapshot
    con = queries.connect(LAKE, catalog=catalog)
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 0
    assert _one(con, "SELECT count(*) FROM raw_quarantine") == 0
    assert _one(con, "SELECT count(*) FROM raw_runs") == 0
    assert _one(con, "SELECT typeof(ts) FROM (SELECT CAST(NULL AS TIMESTAMPTZ) AS ts "
                     "UNION ALL SELECT ts FROM raw_invocations)") == "TIMESTAMP WITH TIME ZONE"


def test_sql_on_an_s3_lake_prints_its_rows(location: TableLocation, catalog: str,
                                           aws_env: dict[str, str]) -> None:
    """The issue's bug: `sql --lake s3://...` printed 0 for a lake that held rows."""
    write_invocations(location, _rows("a", 40))
    write_invocations(location, _rows("b", 25, day=3))
    started = time.perf_counter()
    done = run_cli(["sql", "SELECT count(*) AS n FROM raw_invocations", "--lake", LAKE,
                    "--catalog", catalog, "--format", "csv"], aws_env, timeout=300)
    print(f"`sql` on moto S3 (process): {time.perf_counter() - started:.2f} s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "65"]


def test_s3_lake_without_a_table_says_what_to_set(bucket: str, catalog: str,
                                                  aws_env: dict[str, str]) -> None:
    done = run_cli(["sql", "SELECT 1", "--lake", LAKE, "--catalog", catalog], aws_env,
                   timeout=300)
    assert done.returncode == 3, done.stderr
    assert "no invocations table" in done.stderr and "--catalog" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_dirty_s3_table_counts_a_shared_request_id_once(location: TableLocation,
                                                        catalog: str) -> None:
    write_invocations(location, _rows("a", 10))
    # Another host checked against the empty table and landed second: a-0..a-4 stored twice.
    write_invocations(location, _rows("a", 5), deduped_against=None)
    con = queries.connect(LAKE, catalog=catalog)
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 10
    assert _one(con, "SELECT count(DISTINCT request_id) FROM raw_invocations") == 10


def test_dashboard_connection_reads_s3_only_and_replans(location: TableLocation,
                                                        catalog: str, tmp_path: Path) -> None:
    write_invocations(location, _rows("a", 10))
    con = queries.connect(LAKE, catalog=catalog)
    state = queries.refresh(con)
    allow_reading_only(con, LAKE)
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 10
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'")
    write_invocations(location, _rows("b", 7, day=2))
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 10  # the planned snapshot
    assert queries.refresh(con) != state  # locked configuration, macros still redefined
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 17


def test_glue_round_trip(bucket: str, aws_env: dict[str, str]) -> None:
    glue_lake = f"s3://{bucket}/glue"
    location = resolve(glue_lake, None)
    assert location.kind == "glue"
    write_invocations(location, _rows("g", 12))
    con = queries.connect(glue_lake)
    assert _one(con, "SELECT count(*) FROM raw_invocations") == 12
    done = run_cli(["sql", "SELECT count(*) FROM raw_invocations", "--lake", glue_lake,
                    "--format", "csv"], aws_env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "12"
