"""Every staging and metric view, rendered for Spark SQL (queries/dialects.py), run by local
PySpark over the Iceberg table's current data files, gives DuckDB's rows.

The lake is built by the real commands (`sample`, `ingest files`, `migrate`), its files planned
with pyiceberg (`lake.reading.data_files`) and read by Spark itself; the price tables are the
views over their rows that `views --dialect spark` prints. Each view's rows are compared value
by value: integers, strings, booleans, dates, timestamps and maps exactly; floats within REL_TOL
(summation order differs between engines, and Spark computes `x * 1000.0 / y` in DECIMAL);
quantiles with the same tolerance, because Spark's `percentile` interpolates exactly like
DuckDB's `quantile_cont` (Trino's is an estimate: docs/athena.md). One Spark session per
module: its start-up and the first planning of `invocations` dominate the run time.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bedrock_logbook import queries
from bedrock_logbook.lake.catalog import load_table
from bedrock_logbook.lake.location import local_path, resolve
from bedrock_logbook.lake.reading import data_files
from bedrock_logbook.queries import dialects
from tests.core.lakeutil import write_batch
from tests.core.records import converse

ROOT = Path(__file__).resolve().parents[1]
REL_TOL = 1e-9
# Views whose values depend on the clock: compared within the seconds between the two queries.
CLOCK_COLUMNS = {("freshness", "newest_ts_age_hours"), ("freshness", "newest_run_age_hours")}
# Views that do not run on Spark, with why. Empty: every view runs (keep the reason if one stops).
SPARK_EXCEPTIONS: dict[str, str] = {}
SEED_TABLES = ("price_list", "price_model_match", "service_tier_list")


def java_home() -> str | None:
    """JAVA_HOME, else the JDK/JRE behind `java` on PATH (what PySpark's launcher looks for)."""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return home
    java = shutil.which("java")
    return None if java is None else str(Path(java).resolve().parents[1])


def cli(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "BEDROCK_LOGBOOK_SALT": "spark-portability"})
    assert done.returncode == 0, done.stderr


def write_prompt_pairs(logs: Path) -> None:
    """Two prompts each sent standard and latency-optimized to one model: the sample's prompts
    are random, so without these `mode_prompt_pairs` would have no row to compare."""
    records = []
    for n, prompt in enumerate(["compare me", "and me"]):
        for m, mode in enumerate(["standard", "optimized"]):
            record = converse(f"5a1e0000-0000-0000-0000-00000000{n}{m}00",
                              latency_ms=900 + 300 * n - 200 * m)
            body = record["input"]["inputBodyJson"]
            body["messages"][0]["content"][0]["text"] = prompt
            body["performanceConfig"] = {"latency": mode}
            records.append(record)
    write_batch(logs, records)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark")
    logs, lake = root / "logs", root / "lake"
    cli("sample", "--records", "3000", "--out", str(logs), "--bad-lines")
    write_prompt_pairs(logs)
    cli("ingest", "files", str(logs), "--lake", str(lake))
    cli("migrate", "--lake", str(lake))  # a no-op once ingest writes the table itself
    return lake


@pytest.fixture(scope="module")
def duck(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = queries.connect(lake)
    yield con
    con.close()


@pytest.fixture(scope="module")
def spark(lake: Path, duck: duckdb.DuckDBPyConnection) -> Iterator[Any]:
    home = java_home()
    assert home is not None, "no Java: `make system-deps` installs openjdk-17-jre-headless"
    os.environ.setdefault("JAVA_HOME", home)
    from pyspark.sql import SparkSession

    started = time.monotonic()
    session = (SparkSession.builder.master("local[2]").appName("bedrock-logbook-portability")
               .config("spark.driver.memory", "768m")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               # Dates and shown timestamps in UTC, as the DuckDB views (queries.use_utc).
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    print(f"\nSpark session started in {time.monotonic() - started:.1f}s")
    register_raw(session, lake, duck)
    yield session
    session.stop()


def register_raw(session: Any, lake: Path, duck: duckdb.DuckDBPyConnection) -> None:
    """The raw views and price tables, over the same files and rows DuckDB reads."""
    table = load_table(resolve(str(lake)))
    assert table is not None, "the lake has no Iceberg table"
    files = [local_path(uri) for uri in data_files(table)]
    assert files
    # recursiveFileLookup: no partition columns from folder names; `date` comes from `ts`.
    invocations = session.read.option("recursiveFileLookup", "true").parquet(*files)
    invocations.drop("date").createOrReplaceTempView("_files")
    session.sql("CREATE OR REPLACE TEMPORARY VIEW raw_invocations AS "
                "SELECT *, CAST(ts AS DATE) AS date FROM _files")
    quarantine = sorted(str(p) for p in (lake / "quarantine").glob("part-*.parquet"))
    assert quarantine, "the sample's bad lines should be quarantined"
    session.read.parquet(*quarantine).createOrReplaceTempView("raw_quarantine")
    runs = sorted(str(p) for p in (lake / "_runs").glob("run-*.json"))
    session.read.json(runs, schema=RUN_SCHEMA).createOrReplaceTempView("_runs")
    session.sql(RAW_RUNS)
    # The price tables as `views --dialect spark` prints them: views over their rows.
    for name in SEED_TABLES:
        for statement in dialects.render_seed(name, "spark"):
            session.sql(statement.replace("CREATE OR REPLACE VIEW",
                                          "CREATE OR REPLACE TEMPORARY VIEW", 1))
        rows = session.sql(f"SELECT count(*) FROM {name}").collect()[0][0]  # noqa: S608
        assert rows == duck.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608


RUN_SCHEMA = ("run_id STRING, started_at STRING, finished_at STRING, seconds DOUBLE, "
              "source STRING, objects BIGINT, skipped_objects BIGINT, lines BIGINT, "
              "rows_written BIGINT, duplicates BIGINT, conflicting BIGINT, quarantined BIGINT, "
              "bytes_in BIGINT")
RAW_RUNS = """
CREATE OR REPLACE TEMPORARY VIEW raw_runs AS
SELECT run_id, CAST(started_at AS TIMESTAMP) AS started_at,
    CAST(finished_at AS TIMESTAMP) AS finished_at, seconds, source, objects, skipped_objects,
    lines, rows_written, duplicates, conflicting, quarantined, bytes_in
FROM _runs
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY finished_at) = 1
"""


@pytest.fixture(scope="module")
def spark_views(spark: Any) -> dict[str, str]:
    """Each rendered view created in Spark; the error text for a view Spark refused."""
    errors: dict[str, str] = {}
    for view in dialects.render_views("spark"):
        # The raw views are session views here, and Spark's permanent views may not read
        # those: create the rendered ones as session views too.
        sql = view.sql.replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMPORARY VIEW", 1)
        try:
            spark.sql(sql)
        except Exception as e:  # noqa: BLE001 (reported per view below)
            errors[view.name] = str(e).splitlines()[0]
    if "invocations" not in errors:
        # Computed once, not once per metric view that reads it (minutes on a busy machine).
        spark.catalog.cacheTable("invocations")
    return errors


def normal(value: Any) -> Any:
    """One engine-neutral form per value: timestamps as UTC, decimals as floats."""
    if isinstance(value, dt.datetime):
        # DuckDB gives aware UTC datetimes; PySpark naive ones in the process's local zone.
        return value.astimezone(dt.UTC)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    return value


def sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Order rows by every value, floats rounded so engines' last digits do not reorder."""
    def one(v: Any) -> tuple[int, str]:
        if v is None:
            return (0, "")
        if isinstance(v, float):
            return (1, "nan" if math.isnan(v) else f"{v:.6g}")
        if isinstance(v, dict):
            return (1, repr(sorted(v.items())))
        return (1, repr(v))
    return tuple(one(v) for v in row)


def close(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    if isinstance(a, int | float) and isinstance(b, int | float) and (
            isinstance(a, float) or isinstance(b, float)):
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    return bool(a == b)


VIEWS = [o.name for o in dialects.rendered_objects()]


@pytest.mark.parametrize("view", VIEWS)
def test_view_gives_duckdbs_rows_on_spark(view: str, duck: duckdb.DuckDBPyConnection,
                                          spark: Any, spark_views: dict[str, str]) -> None:
    if view in SPARK_EXCEPTIONS:
        assert view in spark_views, f"{view} runs on Spark now: drop its exception"
        pytest.xfail(SPARK_EXCEPTIONS[view])
    assert view not in spark_views, f"Spark refused {view}: {spark_views[view]}"
    started = time.monotonic()
    cur = duck.execute(f"SELECT * FROM {view}")  # noqa: S608 (a view name from the catalog)
    duck_columns = [c[0] for c in cur.description]
    duck_rows = [tuple(normal(v) for v in r) for r in cur.fetchall()]
    frame = spark.sql(f"SELECT * FROM {view}")
    spark_rows = [tuple(normal(v) for v in r) for r in frame.collect()]
    clock_tol = (time.monotonic() - started + 2) / 3600
    assert frame.columns == duck_columns
    assert len(spark_rows) == len(duck_rows)
    assert duck_rows, f"{view} has no rows on the sample lake: the comparison would prove nothing"
    for duck_row, spark_row in zip(sorted(duck_rows, key=sort_key),
                                   sorted(spark_rows, key=sort_key), strict=True):
        for column, a, b in zip(duck_columns, duck_row, spark_row, strict=True):
            tol = clock_tol if (view, column) in CLOCK_COLUMNS else REL_TOL
            assert close(a, b, tol), f"{view}.{column}: DuckDB {a!r}, Spark {b!r}\n{duck_row}"


def test_quantiles_are_compared(duck: duckdb.DuckDBPyConnection) -> None:
    """The sample lake has groups big enough for every guarded percentile, so the comparison
    above covers quantile values, not only their NULLs; likewise for the fallback maps."""
    row = duck.execute("SELECT count(p50_latency_ms), count(p90_latency_ms), "
                       "count(p99_latency_ms) FROM latency_by_region_mode").fetchone()
    assert row is not None and all(n > 0 for n in row)
    # Both a map and a NULL (no fallback in the group): the Spark rewrite of histogram.
    maps = duck.execute("SELECT count(fallbacks_by_reason), count(*) FILTER "
                        "(WHERE fallbacks_by_reason IS NULL) FROM served_vs_requested").fetchone()
    assert maps is not None and all(n > 0 for n in maps)
