"""The benchmark's generator (tests/browser/synthetic_lake.py): the repeated-pattern lake's
derived tables equal what the raw rows give, and a per-day table added to ``DAY_TABLES`` is
built and written for every day. Expected values are computed here with DuckDB straight
from the raw Parquet files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import NAMESPACE, resolve
from tests.browser import synthetic_lake

DAYS, ROWS = 5, 6_000


def models_per_day(raw: pa.Table) -> pa.Table:
    con = duckdb.connect()
    con.register("raw", raw)
    return con.sql("SELECT CAST(ts AS DATE) AS day, model, count(*) AS calls "
                   "FROM raw GROUP BY ALL").to_arrow_table()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("synthetic") / "lake"
    synthetic_lake.DAY_TABLES.append(("test_models_daily", models_per_day))
    try:
        written = synthetic_lake.write_lake(path, rows=ROWS, days=DAYS, rollups=True,
                                            patterns=2, last_day=date(2026, 11, 20))
    finally:
        synthetic_lake.DAY_TABLES.pop()
    assert written == ROWS // DAYS * DAYS
    yield path


@pytest.fixture(scope="module")
def con(lake: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    files = sorted(str(p) for p in lake.glob("invocations/**/*.parquet"))
    con.execute(f"CREATE VIEW raw AS SELECT * FROM read_parquet({files!r})")
    catalog = open_catalog(resolve(lake))
    for name in ("rollup_daily", "test_models_daily", "rollup_tags_daily"):
        con.register(name, catalog.load_table((NAMESPACE, name)).scan().to_arrow())
    return con


def test_repeated_days_are_distinct_requests(con: duckdb.DuckDBPyConnection) -> None:
    per_day = con.sql("SELECT CAST(ts AS DATE), count(*), count(DISTINCT request_id) "
                      "FROM raw GROUP BY 1 ORDER BY 1").fetchall()
    assert [d for d, _, _ in per_day] == [date(2026, 11, 16 + i) for i in range(DAYS)]
    assert all(n == ROWS // DAYS == ids for _, n, ids in per_day)
    assert con.execute("SELECT count(DISTINCT request_id) FROM raw").fetchall() == [(ROWS,)]


def test_daily_rollup_counts_the_raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    query = ("SELECT day, model, sum(requests), sum(errors), sum(guardrail_interventions) "
             "FROM rollup_daily GROUP BY ALL ORDER BY ALL")
    expected = ("SELECT CAST(ts AS DATE), model, count(*), count(error_code), "
                "count(*) FILTER (WHERE guardrail_action = 'INTERVENED') "
                "FROM raw GROUP BY ALL ORDER BY ALL")
    assert con.sql(query).fetchall() == con.sql(expected).fetchall()


def test_an_added_day_table_is_built_for_every_day(con: duckdb.DuckDBPyConnection) -> None:
    got = con.sql("SELECT day, model, calls FROM test_models_daily ORDER BY ALL").fetchall()
    expected = con.sql("SELECT CAST(ts AS DATE), model, count(*) FROM raw "
                       "GROUP BY ALL ORDER BY ALL").fetchall()
    assert got == expected and len({d for d, _, _ in got}) == DAYS


def test_traffic_comes_from_few_applications(con: duckdb.DuckDBPyConnection) -> None:
    # one Region, operation and profile setup per caller: the shape the rollups rely on
    spread = con.sql("SELECT caller, count(DISTINCT region), count(DISTINCT operation), "
                     "count(DISTINCT coalesce(profile_scope, '')), count(DISTINCT account_id) "
                     "FROM raw GROUP BY 1").fetchall()
    assert {caller for caller, *_ in spread} == {a.caller for a in synthetic_lake.APPS}
    assert all(tuple(counts) == (1, 1, 1, 1) for _, *counts in spread)
    # every record variant the pages show is there
    variants = con.execute(
        "SELECT count(*) FILTER (WHERE error_code = 'ThrottlingException'), "
        "count(*) FILTER (WHERE guardrail_action = 'INTERVENED'), "
        "count(*) FILTER (WHERE cache_read_tokens > 0), "
        "count(*) FILTER (WHERE cache_write_tokens > 0), "
        "count(*) FILTER (WHERE input_tokens IS NULL AND error_code IS NULL), "
        "count(*) FILTER (WHERE cross_region), count(*) FILTER (WHERE profile_scope IS NULL), "
        "count(*) FILTER (WHERE served_latency = 'optimized'), "
        "count(*) FILTER (WHERE fallback_reason IS NOT NULL), "
        "count(*) FILTER (WHERE first_byte_ms IS NOT NULL) FROM raw").fetchone()
    assert variants is not None and all(n > 0 for n in variants), variants


def test_tag_rollup_counts_each_tag_of_the_raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The tag table (a DAY_TABLES entry): per day, each untagged request once under a NULL
    key, each tag of a tagged request once, as counted from the raw files."""
    expected = con.execute("""
        SELECT CAST(ts AS DATE) AS day,
            count(*) FILTER (WHERE coalesce(cardinality(request_metadata), 0) = 0),
            coalesce(sum(cardinality(request_metadata)), 0)
        FROM raw GROUP BY 1 ORDER BY 1""").fetchall()
    got = con.execute("""
        SELECT day, sum(requests) FILTER (WHERE tag_key IS NULL),
            sum(requests) FILTER (WHERE tag_key IS NOT NULL)
        FROM rollup_tags_daily GROUP BY 1 ORDER BY 1""").fetchall()
    assert got == expected
    assert all(untagged > 0 and tags > 0 for _, untagged, tags in got)
