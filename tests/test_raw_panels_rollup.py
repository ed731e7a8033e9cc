"""Issue 12: the spend, latency, requests and health panels that scanned the whole raw table
now read the rollups (or raw rows of the few days they need) and give the numbers the raw
rows give, on random filters, a filter that selects nothing and after a user price file.

The reference for each panel is its SQL as it read the raw views before the change, frozen
in tests/fixtures/raw_panels/scanned/ (not the code under test). Where a panel's meaning
changed on purpose (the latency histogram's bins, the scatter sample's days, the throughput
sums), the reference is a raw-row query written here for the new definition.
The lake holds the sample generator's requests parsed by the real parser (many models,
profiles, modes, cache tokens, errors, guardrails), its rollup tables written by
tests/rollup_lake.py from the raw table read with pyiceberg.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import resolve
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters
from tests.lake_fixtures import snapshot_properties
from tests.rollup_data import sample_invocations
from tests.rollup_lake import ensure_rollups

SCANNED = Path(__file__).parent / "fixtures" / "raw_panels" / "scanned"
# The exact order statistic x_r, r = floor(q (n - 1)), with guarded_quantile's guard: what a
# percentile merged from the sketches is within 1% of (docs/rollups.md "The latency sketch").
ORDER_STAT = """
CREATE OR REPLACE MACRO test_order_stat(x, q) AS
    CASE WHEN count(x) >= (CASE WHEN q >= 0.99 THEN 100 ELSE 20 END)
        THEN CAST(list_sort(list(x) FILTER (WHERE x IS NOT NULL))[
            CAST(floor(q * (count(x) - 1)) AS BIGINT) + 1] AS DOUBLE)
    END
"""
PERCENTILE_COLUMNS = ("p50_output_tokens_per_s", "p90_output_tokens_per_s")


def _raw() -> pa.Table:
    return sample_invocations(6000, 24 * 6, 11)


def _write_raw(lake: Path, rows: pa.Table) -> int:
    table = open_table(resolve(lake))
    current = table.current_snapshot()
    snapshot = append(table, rows, snapshot_properties(
        None if current is None else current.snapshot_id))
    assert snapshot is not None
    return snapshot


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("raw-panels-lake")
    _write_raw(folder, _raw())
    assert ensure_rollups(folder)
    return folder


@pytest.fixture(scope="module")
def con(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = queries.connect(lake)
    connection.execute(ORDER_STAT)
    yield connection
    connection.close()


def _frame(con: duckdb.DuckDBPyConnection, sql: str,
           params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _reference(text: str, filters: Filters, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    if panels.FILTER_MARKER in text:
        predicate, params = panels.filter_predicate(filters)
        text = text.replace(panels.FILTER_MARKER, predicate)
    used = {k: v for k, v in extra.items() if f"${k}" in text}
    return text, {**params, **used}


def _scanned(name: str, filters: Filters, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = (SCANNED / f"{name}.sql").read_text(encoding="utf-8")
    return _reference(text.replace("guarded_quantile(", "test_order_stat("), filters, extra)


def _same(got: Any, expected: Any, column: str, where: str) -> None:
    if isinstance(expected, float) and math.isnan(expected):
        expected = None  # regr_* give NaN where every x is equal; the moments give NULL
    if expected is None or got is None:
        assert got == expected, where
    elif column == "newest_ts_age_hours":  # against current_timestamp: queries ran apart
        assert abs(got - expected) < 0.05, where
    elif column in PERCENTILE_COLUMNS:
        assert math.isclose(got, expected, rel_tol=0.01), where
    elif isinstance(expected, float) or isinstance(got, float):
        assert math.isclose(float(got), float(expected), rel_tol=1e-9, abs_tol=1e-12), where
    else:
        assert got == expected, where


def assert_matches(con: duckdb.DuckDBPyConnection, name: str, filters: Filters,
                   reference: tuple[str, dict[str, Any]],
                   extra: dict[str, Any] | None = None) -> int:
    """Panel ``name`` as the dashboard runs it against ``reference``: same columns, same rows
    in the same order, equal numbers (percentiles within 1% of the order statistic)."""
    query = panels.resolve(con, panels.build(name, filters, extra or {}))
    got = _frame(con, query.sql, dict(query.params))
    expected = _frame(con, *reference)
    assert [list(r) for r in got[:1]] == [list(r) for r in expected[:1]], name
    assert len(got) == len(expected), (name, filters)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        for column in e:
            _same(g[column], e[column], column, f"{name} row {i} {column} {filters}")
    return len(got)


def _random_filters(con: duckdb.DuckDBPyConnection, rng: random.Random,
                    count: int = 10) -> list[Filters]:
    values = {
        "models": [r[0] for r in con.execute(
            "SELECT DISTINCT coalesce(model, model_id) FROM raw_invocations "
            "WHERE coalesce(model, model_id) IS NOT NULL ORDER BY 1").fetchall()],
        "regions": [r[0] for r in con.execute(
            "SELECT DISTINCT region FROM raw_invocations WHERE region IS NOT NULL "
            "ORDER BY 1").fetchall()],
        "callers": [r[0] for r in con.execute(
            "SELECT DISTINCT caller FROM raw_invocations WHERE caller IS NOT NULL "
            "ORDER BY 1").fetchall()],
        "served_modes": ["standard", "optimized", "unknown"],
        "operations": [r[0] for r in con.execute(
            "SELECT DISTINCT operation FROM raw_invocations ORDER BY 1").fetchall() if r[0]],
    }
    days = [r[0] for r in con.execute(
        "SELECT DISTINCT date FROM raw_invocations ORDER BY 1").fetchall()]
    chosen: list[Filters] = [
        Filters(),
        # a date range before the data: selects nothing
        Filters(start=days[0] - dt.timedelta(days=30), end=days[0] - dt.timedelta(days=20)),
        Filters(start=days[1], end=days[1]),
    ]
    while len(chosen) < count:
        kwargs: dict[str, Any] = {}
        for field in rng.sample(sorted(values), rng.randint(0, 2)):
            kwargs[field] = tuple(rng.sample(values[field], min(len(values[field]),
                                                                rng.randint(1, 3))))
        if rng.random() < 0.6:
            a, b = sorted(rng.sample(range(len(days)), 2))
            kwargs["start"], kwargs["end"] = days[a], days[b]
        chosen.append(Filters(**kwargs))
    return chosen


def test_rollups_are_current(con: duckdb.DuckDBPyConnection) -> None:
    states = dict(con.execute("SELECT table_name, state FROM rollup_staleness").fetchall())
    # ensure_rollups writes the rollups, the cube and the sketch table; this lake has no
    # prompt pairs or tag rollup table (their pages' views compute from raw rows)
    assert states == {"rollup_hourly": "current", "rollup_daily": "current",
                      "rollup_daily_models": "current", "rollup_daily_sketches": "current",
                      "prompt_pairs_daily": "absent", "rollup_tags_daily": "absent"}


@pytest.mark.parametrize("errors_only", [False, True])
def test_requests_count_equals_raw(con: duckdb.DuckDBPyConnection, errors_only: bool) -> None:
    rng = random.Random(12)
    counts = []
    for filters in _random_filters(con, rng):
        extra = {"errors_only": errors_only}
        assert_matches(con, "requests_count", filters,
                       _scanned("requests_count", filters, extra), extra)
        query = panels.build("requests_count", filters, extra)
        counts.append(con.execute(query.sql, dict(query.params)).fetchone())
    assert (0,) in counts and any(c and c[0] > 0 for c in counts)


def _requests_page_cases(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[Filters,
                                                                           dict[str, Any]]]:
    rng = random.Random(21)
    for filters in _random_filters(con, rng, 8):
        for errors_only in (False, True):
            query = panels.build("requests_count", filters, {"errors_only": errors_only})
            (total,) = con.execute(query.sql, dict(query.params)).fetchone() or (0,)
            offsets = {0, 37, max(total - 5, 0), total + 10, rng.randrange(max(total, 1))}
            for offset in sorted(offsets):
                yield filters, {"errors_only": errors_only, "limit": 50, "offset": offset}


def test_requests_page_equals_raw(con: duckdb.DuckDBPyConnection) -> None:
    rows = 0
    for filters, extra in _requests_page_cases(con):
        rows += assert_matches(con, "requests_page", filters,
                               _scanned("requests_page", filters, extra), extra)
    assert rows > 0


def test_requests_page_crosses_day_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    """A page that starts on one day and ends on an older one (the first day's last rows)."""
    (per_day,) = con.execute(
        "SELECT count(*) FROM raw_invocations WHERE date = (SELECT max(date) "
        "FROM raw_invocations)").fetchone() or (0,)
    extra = {"errors_only": False, "limit": 100, "offset": per_day - 30}
    n = assert_matches(con, "requests_page", Filters(), _scanned("requests_page", Filters(),
                                                                 extra), extra)
    assert n == 100
    page = panels.run(con, panels.build("requests_page", Filters(), extra))
    days = {t.date() for t in page["ts"].dt.tz_convert("UTC")}
    assert len(days) == 2


def _repriced(lake: Path, con: duckdb.DuckDBPyConnection,
              tmp_path: Path) -> duckdb.DuckDBPyConnection:
    (model,) = con.execute(
        "SELECT model FROM invocations WHERE priced GROUP BY model "
        "ORDER BY count(*) DESC LIMIT 1").fetchone() or (None,)
    (unpriced,) = con.execute(
        "SELECT model FROM invocations WHERE NOT priced AND model IS NOT NULL GROUP BY model "
        "ORDER BY count(*) DESC LIMIT 1").fetchone() or (None,)
    user = tmp_path / "negotiated.csv"
    lines = ["model,latency_mode,profile_scope,region,token_class,effective_from,"
             "usd_per_million,source",
             f"{model},,,,input,2020-01-01,123,contract 7",
             f"{model},,,,output,2020-01-01,456,contract 7"]
    if unpriced is not None:  # a model the shipped list does not price becomes priced
        lines += [f"{unpriced},,,,input,2020-01-01,1,contract 8",
                  f"{unpriced},,,,output,2020-01-01,2,contract 8"]
    user.write_text("\n".join(lines) + "\n", encoding="utf-8")
    repriced = queries.connect(lake, prices=user)
    repriced.execute(ORDER_STAT)
    before = con.execute("SELECT sum(cost_usd) FROM invocations").fetchone()
    after = repriced.execute("SELECT sum(cost_usd) FROM invocations").fetchone()
    assert before and after and before[0] != pytest.approx(after[0])
    return repriced


def test_requests_page_after_a_price_override(lake: Path, con: duckdb.DuckDBPyConnection,
                                              tmp_path: Path) -> None:
    repriced = _repriced(lake, con, tmp_path)
    rows = 0
    for filters, extra in list(_requests_page_cases(repriced))[:20]:
        rows += assert_matches(repriced, "requests_page", filters,
                               _scanned("requests_page", filters, extra), extra)
    assert rows > 0


@pytest.mark.parametrize("name", ["requests_page", "health_freshness",
                                  "health_freshness_by_source", "latency_vs_tokens_sample"])
def test_only_the_newest_days_raw_row_groups_are_read(con: duckdb.DuckDBPyConnection,
                                                       name: str) -> None:
    """The lake's raw table holds one data file (one row group) per UTC day; these panels
    read only the newest days (the page and freshness: the last one; the sample: those
    holding 2,000 points), which DuckDB's profile shows as fewer files (row groups to scan)
    than the lake holds days."""
    (days,) = con.execute("SELECT count(DISTINCT date) FROM raw_invocations").fetchone() or (0,)
    query = panels.resolve(con, panels.build(name, Filters(),
                                             {"errors_only": False, "limit": 10, "offset": 0}))
    profile = "\n".join(str(r[1]) for r in con.execute(
        "EXPLAIN ANALYZE " + query.sql, dict(query.params)).fetchall())
    scanned = [tuple(map(int, m)) for m in re.findall(r"Row Groups Scanned: (\d+) / (\d+)",
                                                      profile)]
    assert days == 6 and scanned, profile
    # The raw read is given only the files that may hold those days (raw_files_between): the
    # other days' files are not even opened.
    assert all(total < days for _, total in scanned), scanned


def test_price_sources_equal_raw(con: duckdb.DuckDBPyConnection) -> None:
    # requests with 5-minute cache writes logged without a TTL split are in the data, and
    # rollup rows that mix them with split ones (the panel splits those from raw rows)
    (noted,) = con.execute(
        "SELECT count(*) FROM invocations WHERE price_source LIKE '%no TTL split%'"
    ).fetchone() or (0,)
    (mixed,) = con.execute(
        "SELECT count(*) FROM rollup_daily WHERE cache_write_5m_used "
        "AND cache_write_5m_tokens IS NOT NULL "
        "AND billed_cache_write_5m_tokens > cache_write_5m_tokens").fetchone() or (0,)
    assert noted > 0 and mixed > 0
    rng = random.Random(31)
    rows = 0
    for filters in _random_filters(con, rng):
        rows += assert_matches(con, "price_sources", filters,
                               _scanned("price_sources", filters, {}))
    assert rows > 0


def test_price_sources_after_a_price_override(lake: Path, con: duckdb.DuckDBPyConnection,
                                              tmp_path: Path) -> None:
    repriced = _repriced(lake, con, tmp_path)
    sources = {r[0] for r in repriced.execute(
        "SELECT DISTINCT price_source FROM invocations").fetchall()}
    assert any("contract 7" in s for s in sources if s)
    rng = random.Random(32)
    for filters in _random_filters(repriced, rng, 6):
        assert_matches(repriced, "price_sources", filters,
                       _scanned("price_sources", filters, {}))


@pytest.mark.parametrize("name", ["health_freshness", "health_freshness_by_source"])
def test_health_freshness_equals_raw(con: duckdb.DuckDBPyConnection, name: str) -> None:
    assert assert_matches(con, name, Filters(), _scanned(name, Filters(), {})) > 0


def test_health_freshness_falls_back_to_raw_while_the_rollup_is_behind(
        tmp_path: Path) -> None:
    raw = _raw()
    lake = tmp_path / "lake"
    _write_raw(lake, raw.slice(0, 4000))
    ensure_rollups(lake)
    _write_raw(lake, raw.slice(4000))  # newer rows the rollup does not hold yet
    behind = queries.connect(lake)
    states = dict(behind.execute("SELECT table_name, state FROM rollup_staleness").fetchall())
    assert states["rollup_daily"] == "behind"
    for name in ("health_freshness", "health_freshness_by_source"):
        assert_matches(behind, name, Filters(), _scanned(name, Filters(), {}))
    fresh = panels.run(behind, panels.build("health_freshness", Filters()))
    assert int(fresh["requests"].iloc[0]) == raw.num_rows


# The histogram's new definition over the raw rows (the sketch mapping written here):
# bucket k = ceil(ln(x) / ln(1.01 / 0.99)), 0 ms as bucket 0; bins of m buckets from the
# smallest bucket, m the smallest width giving at most 40 bins up to the 99th percentile's
# bucket (the order statistic of rank floor(0.99 (N - 1))), slower ones in the last bin.
HISTOGRAM_REFERENCE = """
WITH sel AS (
    SELECT coalesce(served_latency, 'unknown') AS served_mode,
        CASE WHEN latency_ms = 0 THEN 0
            ELSE CAST(ceil(ln(latency_ms) / ln(1.01 / 0.99)) AS BIGINT) END AS k
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL
),
p AS (
    SELECT min(k) AS k0,
        list_sort(list(k))[CAST(floor(0.99 * (count(*) - 1)) AS BIGINT) + 1] AS k99
    FROM sel
),
m AS (SELECT k0, k99, CAST(greatest(1, ceil((k99 - k0 + 1) / 40.0)) AS BIGINT) AS w FROM p)
SELECT served_mode,
    pow(1.01 / 0.99, k0 - 1 + least((k - k0) // w, (k99 - k0) // w) * w) AS bin_start_ms,
    pow(1.01 / 0.99, k0 - 1 + (least((k - k0) // w, (k99 - k0) // w) + 1) * w) AS bin_end_ms,
    count(*) AS requests
FROM sel, m
GROUP BY ALL
ORDER BY served_mode, bin_start_ms
"""


def test_latency_histogram_counts_equal_the_raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(41)
    rows = 0
    for filters in _random_filters(con, rng):
        rows += assert_matches(con, "latency_histogram", filters,
                               _reference(HISTOGRAM_REFERENCE, filters, {}))
    assert rows > 0
    hist = panels.run(con, panels.build("latency_histogram", Filters()))
    assert hist.groupby("served_mode").size().max() <= 40
    (n,) = con.execute("SELECT count(latency_ms) FROM raw_invocations").fetchone() or (0,)
    assert int(hist["requests"].sum()) == n


# The scatter's new definition: the fewest newest days holding 2,000 points, then the same
# hash order as before.
SAMPLE_REFERENCE = """
WITH sel AS (
    SELECT * FROM raw_invocations
    WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL AND output_tokens IS NOT NULL
),
days AS (SELECT date, count(*) AS n FROM sel GROUP BY date),
cut AS (
    SELECT min(date) AS first_day FROM (
        SELECT date, sum(n) OVER (ORDER BY date DESC) - n AS newer FROM days)
    WHERE newer < 2000
)
SELECT output_tokens, latency_ms, coalesce(served_latency, 'unknown') AS served_mode,
       coalesce(model, model_id) AS model
FROM sel, cut
WHERE date >= first_day
ORDER BY hash(request_id)
LIMIT 2000
"""


def test_scatter_sample_is_drawn_from_the_newest_days(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(51)
    for filters in _random_filters(con, rng):
        assert_matches(con, "latency_vs_tokens_sample", filters,
                       _reference(SAMPLE_REFERENCE, filters, {}))
    sample = panels.run(con, panels.build("latency_vs_tokens_sample", Filters()))
    assert len(sample) == 2000
    # fewer days than the lake holds: the newest ones only
    (days,) = con.execute("SELECT count(DISTINCT date) FROM raw_invocations").fetchone() or (0,)
    assert days > 2


TOKENS_PER_S_REFERENCE = """
SELECT
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    count(output_tokens_per_s) AS n,
    test_order_stat(output_tokens_per_s, 0.5) AS p50_output_tokens_per_s,
    test_order_stat(output_tokens_per_s, 0.9) AS p90_output_tokens_per_s,
    sum(output_tokens) FILTER (WHERE latency_ms IS NOT NULL) * 1000.0
        / nullif(sum(latency_ms) FILTER (WHERE output_tokens IS NOT NULL), 0)
        AS throughput_tokens_per_s
FROM raw_invocations
WHERE /*filters*/ TRUE AND error_code IS NULL
GROUP BY ALL
HAVING count(output_tokens_per_s) > 0
ORDER BY n DESC, model, served_mode
LIMIT 100
"""


def test_tokens_per_s_equals_raw(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(61)
    rows = 0
    for filters in _random_filters(con, rng):
        rows += assert_matches(con, "tokens_per_s", filters,
                               _reference(TOKENS_PER_S_REFERENCE, filters, {}))
    assert rows > 0


def test_decode_fit_equals_raw(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(71)
    rows = 0
    for filters in _random_filters(con, rng):
        text, params = _scanned("decode_fit", filters, {})
        # the largest output is now a lower bound from the rollup (checked below)
        text = text.replace("max(output_tokens) AS largest_output_tokens",
                            "NULL AS largest_output_tokens")
        query = panels.build("decode_fit", filters)
        got = _frame(con, query.sql, dict(query.params))
        expected = _frame(con, text, params)
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            for column in e:
                if column != "largest_output_tokens":
                    _same(g[column], e[column], column, f"decode_fit {column} {filters}")
        rows += len(got)
    assert rows > 0
    largest = dict(con.execute(
        "SELECT coalesce(served_latency, 'unknown'), max(output_tokens) FROM raw_invocations "
        "WHERE error_code IS NULL AND latency_ms IS NOT NULL GROUP BY 1").fetchall())
    fit = panels.run(con, panels.build("decode_fit", Filters()))
    for mode, bound in zip(fit["served_mode"], fit["largest_output_tokens"], strict=True):
        assert 0 < bound <= largest[mode]


def test_health_hourly_equals_the_raw_hours(con: duckdb.DuckDBPyConnection) -> None:
    """The hourly panel reads only the newest days' hourly rows; the reference is its raw
    branch (the frozen panel with the rollup branch switched off)."""
    rng = random.Random(81)
    rows = 0
    for filters in _random_filters(con, rng):
        text = (SCANNED / "health_hourly.sql").read_text(encoding="utf-8")
        text = text.replace("coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)",
                            "FALSE")
        text = text.replace(panels.ROLLUP_FILTER_MARKER, "TRUE")
        rows += assert_matches(con, "health_hourly", filters, _reference(text, filters, {}))
    assert rows > 0
