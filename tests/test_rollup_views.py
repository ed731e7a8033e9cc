"""Issue 12's acceptance for the readers: the panels that read the rollups give the numbers
the raw rows give, on random filters and after a user price override; percentiles are within
1% of the exact order statistic; the rollup views follow the tables' snapshots and fall back
to the raw rows while a rollup is behind. Panels switched to the model cube
(rollup_daily_models) are compared under filters the cube answers and under filters that
force the daily rollup (caller, account, operation).

The lake holds the sample generator's requests parsed by the real parser (many models,
profiles, modes, cache tokens, errors); its rollup tables are written by tests/rollup_lake.py
from the raw table read with pyiceberg. The reference is the panels' SQL as it read the raw
views before the switch (tests/fixtures/raw_panels/, frozen copies, not the code under test),
with quantile_cont replaced by the exact order statistic x_r, r = floor(q (n - 1)).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.rollup import (
    build_rollup,
    daily_rollup,
    models_rollup,
    sketches_rollup,
)
from bedrock_logbook.ingest.rollup_schema import (
    PROMPT_BANDS,
    ROLLUP_MODELS_SCHEMA,
    ROLLUP_SCHEMA,
    ROLLUP_SKETCHES_SCHEMA,
    THROTTLE_CODES,
)
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import DERIVED_TABLES, resolve
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.catalog import sql_text
from bedrock_logbook.queries.panels import Filters
from tests.lake_fixtures import snapshot_properties
from tests.rollup_data import sample_invocations
from tests.rollup_lake import ensure_rollups, write_rollups

RAW_PANELS = Path(__file__).parent / "fixtures" / "raw_panels"
SWITCHED = sorted(p.stem for p in RAW_PANELS.glob("*.sql"))
# Panels that read the model cube when the filters allow (queries/panels.py CUBE_SWAPS).
CUBE_PANELS = sorted(n for n in panels.list_panels() if "/*models*/" in panels.panel_text(n))
# Panels that read the sketch table when the filters allow (queries/panels.py SKETCHES_MARKED).
SKETCH_PANELS = sorted(n for n in panels.list_panels()
                       if panels.SKETCHES_MARKED in panels.panel_text(n))
# Panel-specific parameters compared, per panel (every value of each).
PANEL_PARAMS: dict[str, list[dict[str, Any]]] = {
    "cost_by_dimension": [{"dimension": d}
                          for d in ("model", "caller", "served_mode", "profile_scope")],
    "spend_daily": [{"dimension": d, "tag_key": "team"} for d in ("model", "caller", "account")],
    "latency_over_time": [{"grain": "day"}, {"grain": "hour"}],
}
# The derived tables tests.rollup_lake.write_rollups writes (rollup_staleness also lists the
# prompt pairs and the tag rollup, which these tests do not write).
ALL_STATES = ("rollup_hourly", "rollup_daily", "rollup_daily_models", "rollup_daily_sketches")
# The exact order statistic with guarded_quantile's minimum group (the test's own definition).
ORDER_STAT = """
CREATE OR REPLACE MACRO test_order_stat(x, q) AS
    CASE WHEN count(x) >= (CASE WHEN q >= 0.99 THEN 100 ELSE 20 END)
        THEN CAST(list_sort(list(x))[CAST(floor(q * (count(x) - 1)) AS BIGINT) + 1] AS DOUBLE)
    END
"""
PERCENTILE_COLUMNS = ("p50_latency_ms", "p90_latency_ms", "p99_latency_ms",
                      "standard_p50_latency_ms", "optimized_p50_latency_ms",
                      "p50_first_byte_ms", "p90_first_byte_ms", "p99_first_byte_ms")


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
    folder = tmp_path_factory.mktemp("rollup-lake")
    _write_raw(folder, _raw())
    assert ensure_rollups(folder)
    assert not ensure_rollups(folder)  # a no-op once the tables exist
    return folder


@pytest.fixture(scope="module")
def con(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = queries.connect(lake)
    connection.execute(ORDER_STAT)
    yield connection
    connection.close()


def _raw_query(name: str, filters: Filters, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = (RAW_PANELS / f"{name}.sql").read_text(encoding="utf-8")
    text = text.replace("guarded_quantile(", "test_order_stat(")
    params: dict[str, Any] = {}
    if panels.FILTER_MARKER in text:
        predicate, params = panels.filter_predicate(filters)
        text = text.replace(panels.FILTER_MARKER, predicate)
    used = {k: v for k, v in extra.items() if f"${k}" in text}
    return text, {**params, **used}


def _frame(con: duckdb.DuckDBPyConnection, sql: str,
           params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _same(got: Any, expected: Any, column: str, where: str) -> None:
    if expected is None or got is None:
        assert got == expected, where
    elif column in PERCENTILE_COLUMNS:
        assert math.isclose(got, expected, rel_tol=0.01), where
    elif column == "largest_output_tokens":  # the rollup's lower bound of the raw maximum
        assert 0 < got <= expected, where
    elif column == "p50_latency_improvement_pct":  # 100 (1 - a / b), a and b each within 1%
        assert abs(got - expected) <= 2.5, where
    elif isinstance(expected, float) or isinstance(got, float):
        assert math.isclose(float(got), float(expected), rel_tol=1e-9, abs_tol=1e-12), where
    else:
        assert got == expected, where


def assert_panel_matches_raw(con: duckdb.DuckDBPyConnection, name: str, filters: Filters,
                             extra: dict[str, Any] | None = None) -> int:
    """Panel ``name`` (as the dashboard runs it) against its raw SQL: same columns, same rows
    in the same order, equal numbers (percentiles within 1% of the order statistic)."""
    extra = extra or {}
    query = panels.build(name, filters, extra)
    got = _frame(con, query.sql, dict(query.params))
    expected = _frame(con, *_raw_query(name, filters, extra))
    assert [list(r) for r in got[:1]] == [list(r) for r in expected[:1]], name
    assert len(got) == len(expected), (name, filters)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        for column in e:
            _same(g[column], e[column], column, f"{name} row {i} {column} {filters}")
    return len(got)


def _random_filters(con: duckdb.DuckDBPyConnection, rng: random.Random) -> list[Filters]:
    values = {
        "models": [r[0] for r in con.execute(
            "SELECT DISTINCT coalesce(model, model_id) FROM raw_invocations "
            "WHERE coalesce(model, model_id) IS NOT NULL").fetchall()],
        "regions": [r[0] for r in con.execute(
            "SELECT DISTINCT region FROM raw_invocations WHERE region IS NOT NULL").fetchall()],
        "callers": [r[0] for r in con.execute(
            "SELECT DISTINCT caller FROM raw_invocations WHERE caller IS NOT NULL").fetchall()],
        "served_modes": ["standard", "optimized", "unknown"],
        "operations": [r[0] for r in con.execute(
            "SELECT DISTINCT operation FROM raw_invocations").fetchall() if r[0]],
        "accounts": [r[0] for r in con.execute(
            "SELECT DISTINCT account_id FROM raw_invocations "
            "WHERE account_id IS NOT NULL").fetchall()],
    }
    days = [r[0] for r in con.execute(
        "SELECT DISTINCT date FROM raw_invocations ORDER BY 1").fetchall()]
    chosen: list[Filters] = [
        Filters(),
        # a date range before the data: selects nothing
        Filters(start=days[0] - dt.timedelta(days=30), end=days[0] - dt.timedelta(days=20)),
        Filters(start=days[1], end=days[1]),
        # filters the model cube cannot answer: the panels read the daily rollup
        Filters(callers=tuple(sorted(values["callers"])[:2])),
        Filters(accounts=tuple(sorted(values["accounts"])[:1]), start=days[1]),
        Filters(operations=tuple(sorted(values["operations"])[:1]),
                models=tuple(sorted(values["models"])[:2])),
    ]
    while len(chosen) < 15:
        kwargs: dict[str, Any] = {}
        for field in rng.sample(sorted(values), rng.randint(0, 2)):
            kwargs[field] = tuple(rng.sample(values[field], min(len(values[field]),
                                                                rng.randint(1, 3))))
        if rng.random() < 0.6:
            a, b = sorted(rng.sample(range(len(days)), 2))
            kwargs["start"], kwargs["end"] = days[a], days[b]
        chosen.append(Filters(**kwargs))
    return chosen


def test_rollups_are_current_and_read_from_the_tables(con: duckdb.DuckDBPyConnection) -> None:
    states = dict(con.execute("SELECT table_name, state FROM rollup_staleness WHERE "
                              "list_contains($t, table_name)", {"t": list(ALL_STATES)}).fetchall())
    assert states == dict.fromkeys(ALL_STATES, "current")
    (n,) = con.execute("SELECT count(*) FROM rollup_daily").fetchone() or (0,)
    (cube,) = con.execute("SELECT count(*) FROM rollup_daily_models").fetchone() or (0,)
    (cube_live,) = con.execute(
        "SELECT count(*) FROM rollup_daily_models_live").fetchone() or (0,)
    assert 0 < cube == cube_live < n  # the cube is read from its table, and is smaller
    (sketches,) = con.execute("SELECT count(*) FROM rollup_daily_sketches").fetchone() or (0,)
    (sketches_live,) = con.execute(
        "SELECT count(*) FROM rollup_daily_sketches_live").fetchone() or (0,)
    assert 0 < sketches == sketches_live < cube  # read from its table, smaller than the cube
    (live,) = con.execute("SELECT count(*) FROM rollup_daily_live").fetchone() or (0,)
    assert n > 0 and live == n
    (hourly,) = con.execute("SELECT sum(requests) FROM rollup_hourly").fetchone() or (0,)
    assert hourly == _raw().num_rows


@pytest.mark.parametrize("name", SWITCHED)
def test_switched_panel_equals_raw_on_random_filters(con: duckdb.DuckDBPyConnection,
                                                     name: str) -> None:
    rng = random.Random(sum(map(ord, name)))
    rows = 0
    paths = set()
    sketch_paths = set()
    for filters in _random_filters(con, rng):
        for extra in PANEL_PARAMS.get(name, [{"dimension": "model"}]):
            rows += assert_panel_matches_raw(con, name, filters, extra)
            sql = panels.build(name, filters, extra).sql
            paths.add("rollup_daily_models" in sql)
            sketch_paths.add("rollup_daily_sketches" in sql)
    assert rows > 0  # the comparison saw data
    if name in CUBE_PANELS:
        assert paths == {True, False}  # both the cube and the daily rollup were compared
    if name in SKETCH_PANELS:
        assert sketch_paths == {True, False}  # the sketch table and the wider rollups


def test_every_cube_panel_is_compared_with_its_raw_sql() -> None:
    assert len(CUBE_PANELS) >= 15
    # mode_price_what_if changed after its raw version (rates of rate_tiers) and
    # mode_comparison_summary reads same-day pairs (tests/test_prompt_pairs_views.py checks
    # its numbers against raw rows): their cube paths are compared with their daily paths.
    assert set(CUBE_PANELS) - set(SWITCHED) == set(CUBE_ONLY_VS_DAILY)


CUBE_ONLY_VS_DAILY = ("mode_price_what_if", "mode_comparison_summary")


@pytest.mark.parametrize("name", CUBE_ONLY_VS_DAILY)
def test_cube_path_equals_daily_path(con: duckdb.DuckDBPyConnection,
                                     monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A cube panel without a frozen raw copy: the same rows from the cube as from the
    daily rollup (panels.CUBE_SWAPS emptied), on random filters."""
    rng = random.Random(17)
    compared = 0
    for filters in _random_filters(con, rng):
        if not panels.cube_allowed(filters):
            continue
        cube = panels.build(name, filters)
        assert "rollup_daily_models" in cube.sql
        with monkeypatch.context() as patched:
            patched.setattr(panels, "CUBE_SWAPS", ())
            daily = panels.build(name, filters)
        assert "rollup_daily_models" not in daily.sql
        got = _frame(con, cube.sql, dict(cube.params))
        expected = _frame(con, daily.sql, dict(daily.params))
        assert len(got) == len(expected), filters
        for g, e in zip(got, expected, strict=True):
            for column in e:
                _same(g[column], e[column], column, f"{name} {column} {filters}")
        compared += len(got)
    assert compared > 0


@pytest.mark.parametrize("filters, cube", [
    (Filters(), True),
    (Filters(models=("m",), regions=("r",), served_modes=("standard",),
             inference_regions=("x",), start=dt.date(2026, 1, 1)), True),
    (Filters(callers=("alice",)), False),
    (Filters(accounts=("111111111111",)), False),
    (Filters(operations=("Converse",)), False),
])
def test_build_picks_the_cube_only_when_no_filter_needs_the_daily_grain(
        filters: Filters, cube: bool) -> None:
    for name in CUBE_PANELS:
        sql = panels.build(name, filters, panels.EXAMPLE_PARAMS).sql
        assert ("rollup_daily_models" in sql) == cube, name
        assert "/*models*/" not in sql or not cube, name
    # a breakdown by caller or account reads the daily rollup whatever the filters
    spend = panels.build("spend_daily", Filters(), {"dimension": "caller"}).sql
    assert "FROM rollup_daily_live\n" in spend and "rollup_daily_models_live" in spend


@pytest.mark.parametrize("filters, sketches", [
    (Filters(), True),
    (Filters(models=("m",), served_modes=("standard",), start=dt.date(2026, 1, 1),
             end=dt.date(2026, 2, 1)), True),
    (Filters(regions=("us-east-1",)), False),
    (Filters(inference_regions=("us-east-1",)), False),
    (Filters(callers=("alice",)), False),
    (Filters(accounts=("111111111111",)), False),
    (Filters(operations=("Converse",)), False),
])
def test_build_picks_the_sketch_table_only_when_no_filter_needs_a_wider_grain(
        filters: Filters, sketches: bool) -> None:
    assert len(SKETCH_PANELS) >= 4
    for name in SKETCH_PANELS:
        sql = panels.build(name, filters, panels.EXAMPLE_PARAMS).sql
        assert ("rollup_daily_sketches_live" in sql) == sketches, name
        assert "/*sketches*/" not in sql, name
        # under a region filter the cube answers (it keeps both regions)
        if not sketches and panels.cube_allowed(filters):
            assert "rollup_daily_models" in sql, name


@pytest.mark.parametrize("name", SKETCH_PANELS)
def test_sketch_path_equals_cube_path(con: duckdb.DuckDBPyConnection,
                                      monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The same rows from the sketch table as from the model cube (the marker sent to the
    cube instead), on random filters the sketch table answers: percentiles exactly (merging
    sketches before or after the query's own merge gives the same buckets), float sums to
    1e-9 (another plan may add them in another order)."""
    rng = random.Random(23)
    compared = 0
    for filters in _random_filters(con, rng):
        if not panels.sketches_allowed(filters):
            continue
        for extra in PANEL_PARAMS.get(name, [{"grain": "day"}]):
            narrow = panels.build(name, filters, extra)
            assert "rollup_daily_sketches_live" in narrow.sql
            with monkeypatch.context() as patched:
                patched.setattr(panels, "SKETCHES_VIEW", "rollup_daily_live /*models*/")
                cube = panels.build(name, filters, extra)
            assert "rollup_daily_sketches" not in cube.sql
            got = _frame(con, narrow.sql, dict(narrow.params))
            expected = _frame(con, cube.sql, dict(cube.params))
            assert len(got) == len(expected), (name, filters, extra)
            for g, e in zip(got, expected, strict=True):
                assert list(g) == list(e), name
                for column in e:
                    if column in PERCENTILE_COLUMNS:  # the same buckets: the same value
                        assert g[column] == e[column], (name, column, filters)
                    else:  # float sums may add in another order under another plan
                        _same(g[column], e[column], column, f"{name} {column} {filters}")
            compared += len(got)
    assert compared > 0


def test_percentiles_within_one_percent_of_the_order_statistic(
        con: duckdb.DuckDBPyConnection) -> None:
    """p50/p90/p99 of latency, first byte and tokens/s on random groups x day ranges."""
    rng = random.Random(5)
    days = [r[0] for r in con.execute(
        "SELECT DISTINCT date FROM raw_invocations ORDER BY 1").fetchall()]
    checked = 0
    for _ in range(15):
        a, b = sorted(rng.sample(range(len(days)), 2))
        for metric in ("latency_ms", "first_byte_ms", "output_tokens_per_s"):
            got = dict(((r[0], r[1]), r[2:]) for r in con.execute(
                f"SELECT coalesce(model, model_id), coalesce(served_latency, 'unknown'), "
                f"rollup_quantile({metric}_sketch, {metric}_count, 0.5), "
                f"rollup_quantile({metric}_sketch, {metric}_count, 0.9), "
                f"rollup_quantile({metric}_sketch, {metric}_count, 0.99) "
                "FROM rollup_daily WHERE day BETWEEN $a AND $b GROUP BY ALL",
                {"a": days[a], "b": days[b]}).fetchall())
            exact = dict(((r[0], r[1]), r[2:]) for r in con.execute(
                f"SELECT coalesce(model, model_id), coalesce(served_latency, 'unknown'), "
                f"test_order_stat({metric}, 0.5), test_order_stat({metric}, 0.9), "
                f"test_order_stat({metric}, 0.99) "
                "FROM raw_invocations WHERE date BETWEEN $a AND $b GROUP BY ALL",
                {"a": days[a], "b": days[b]}).fetchall())
            assert got.keys() == exact.keys()
            for key, values in exact.items():
                for g, e in zip(got[key], values, strict=True):
                    assert (g is None) == (e is None), (metric, key)
                    if e is not None:
                        assert abs(g - e) <= 0.01 * e, (metric, key, g, e)
                        checked += 1
    assert checked > 100


def test_price_override_applies_to_the_rollups(lake: Path, tmp_path: Path) -> None:
    """A user price file reprices the past through the rollups exactly as through the raw
    rows: the same rate definition (rate_tiers) feeds both."""
    con = queries.connect(lake)
    (model,) = con.execute(
        "SELECT model FROM invocations WHERE priced GROUP BY model "
        "ORDER BY count(*) DESC LIMIT 1").fetchone() or (None,)
    before = con.execute("SELECT sum(cost_usd) FROM rollup_daily_cost WHERE model = ?",
                         [model]).fetchone()
    user = tmp_path / "negotiated.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        f"source\n{model},,,,input,2020-01-01,123,contract 7\n"
        f"{model},,,,output,2020-01-01,456,contract 7\n"
        # a model the shipped list does not price becomes priced
        , encoding="utf-8")
    repriced = queries.connect(lake, prices=user)
    repriced.execute(ORDER_STAT)
    after = repriced.execute("SELECT sum(cost_usd) FROM rollup_daily_cost WHERE model = ?",
                             [model]).fetchone()
    assert before and after and before[0] != pytest.approx(after[0])
    raw = repriced.execute("SELECT sum(cost_usd) FROM invocations WHERE model = ?",
                           [model]).fetchone()
    assert raw and after[0] == pytest.approx(raw[0], rel=1e-9)
    rng = random.Random(3)
    for filters in _random_filters(repriced, rng)[:6]:
        for name in ("overview_kpis", "cost_by_dimension", "cost_daily_by_model",
                     "fallbacks_daily", "mode_what_if", "cache_usage"):
            assert_panel_matches_raw(repriced, name, filters, {"dimension": "model"})


def test_behind_rollups_fall_back_to_raw_and_refresh_follows(tmp_path: Path) -> None:
    raw = _raw()
    days = pc.cast(raw.column("ts"), pa.date32())
    last = pc.max(days).as_py()
    early = raw.filter(pc.less(days, pa.scalar(last, pa.date32())))
    late = raw.filter(pc.equal(days, pa.scalar(last, pa.date32())))
    lake = tmp_path / "lake"
    first = _write_raw(lake, early)
    ensure_rollups(lake)
    second = _write_raw(lake, late)  # an ingest between its raw and rollup commits
    con = queries.connect(lake)
    con.execute(ORDER_STAT)
    staleness = con.execute("SELECT table_name, rollup_of, raw_snapshot_id, state "
                            "FROM rollup_staleness ORDER BY 1").fetchall()
    assert staleness == [("prompt_pairs_daily", None, second, "absent"),
                         ("rollup_daily", first, second, "behind"),
                         ("rollup_daily_models", first, second, "behind"),
                         ("rollup_daily_sketches", first, second, "behind"),
                         ("rollup_hourly", first, second, "behind"),
                         ("rollup_tags_daily", None, second, "absent")]
    # the tables still hold the old rows; the live view and the panels see every request
    (in_table,) = con.execute("SELECT sum(requests) FROM rollup_daily").fetchone() or (0,)
    (live,) = con.execute("SELECT sum(requests) FROM rollup_daily_live").fetchone() or (0,)
    assert (in_table, live) == (early.num_rows, raw.num_rows)
    (cube_table,) = con.execute("SELECT sum(requests) FROM rollup_daily_models").fetchone() or (0,)
    (cube_live,) = con.execute(
        "SELECT sum(requests) FROM rollup_daily_models_live").fetchone() or (0,)
    assert (cube_table, cube_live) == (early.num_rows, raw.num_rows)
    for name in ("overview_kpis", "overview_daily", "latency_percentiles", "filter_options",
                 "reliability_daily", "routing_pairs_by_model"):
        assert_panel_matches_raw(con, name, Filters())
    # the writer catches up: refresh re-plans the rollup tables too
    hourly = build_rollup(raw)
    write_rollups(lake, [hourly], [daily_rollup(hourly)], second)
    before = queries.refresh(con)
    states = dict(con.execute("SELECT table_name, state FROM rollup_staleness WHERE "
                              "list_contains($t, table_name)", {"t": list(ALL_STATES)}).fetchall())
    assert states == dict.fromkeys(ALL_STATES, "current")
    assert queries.refresh(con) == before  # nothing new: same cache key
    assert con.execute("SELECT sum(requests) FROM rollup_daily").fetchone() == (raw.num_rows,)


def test_current_rollup_is_read_not_the_raw_rows(tmp_path: Path) -> None:
    """When rollup_of names the raw snapshot, rollup_daily_live serves the table's rows (here
    deliberately only one day's, to tell the two apart)."""
    raw = _raw()
    lake = tmp_path / "lake"
    snapshot = _write_raw(lake, raw)
    hourly = build_rollup(raw)
    one_day = hourly.filter(pc.equal(hourly.column("day"), hourly.column("day")[0]))
    write_rollups(lake, [one_day], [daily_rollup(one_day)], snapshot)
    con = queries.connect(lake)
    (live,) = con.execute("SELECT sum(requests) FROM rollup_daily_live").fetchone() or (0,)
    assert live == pc.sum(one_day.column("requests")).as_py() < raw.num_rows


def test_lake_without_rollup_tables_has_empty_typed_views(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    _write_raw(lake, _raw())
    con = queries.connect(lake)
    con.execute(ORDER_STAT)
    for view, schema in (("rollup_hourly", ROLLUP_SCHEMA), ("rollup_daily", ROLLUP_SCHEMA),
                         ("rollup_daily_models", ROLLUP_MODELS_SCHEMA),
                         ("rollup_daily_sketches", ROLLUP_SKETCHES_SCHEMA)):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,)
        described = con.execute(f"DESCRIBE {view}").fetchall()
        assert [r[0] for r in described] == schema.names
        daily_types = dict(con.execute("DESCRIBE rollup_daily").fetchall()[i][:2]
                           for i in range(len(ROLLUP_SCHEMA)))
        assert all(daily_types[name] == kind for name, kind, *_ in described), view
    states = dict(con.execute("SELECT table_name, state FROM rollup_staleness").fetchall())
    assert states == dict.fromkeys(DERIVED_TABLES, "absent")
    # pages keep their numbers: the live view computes the rows from the raw table
    for name in ("overview_kpis", "cost_by_dimension", "routing_matrix", "mode_matrix"):
        assert_panel_matches_raw(con, name, Filters(), {"dimension": "model"})


def test_live_view_from_raw_equals_the_builder() -> None:
    """rollup_daily_from_raw (the raw branch of rollup_daily_live) is ingest.rollup's build
    grouped by day: the same rows (bands and throttle codes included) as
    daily_rollup(build_rollup(raw))."""
    text = sql_text("rollup_daily_from_raw")
    assert "[" + ", ".join(str(b) for b in PROMPT_BANDS) + "]" in text
    assert "IN (" + ", ".join(f"'{c}'" for c in THROTTLE_CODES) + ")" in text


def test_live_raw_branch_matches_daily_rollup(tmp_path: Path) -> None:
    raw = _raw()
    lake = tmp_path / "lake"
    _write_raw(lake, raw)
    con = queries.connect(lake)  # no rollup tables: the live view computes from raw rows
    got = con.sql("SELECT * FROM rollup_daily_live").to_arrow_table()
    expected = daily_rollup(build_rollup(raw))
    check = duckdb.connect()
    check.execute("SET TimeZone = 'UTC'")
    check.register("got", got)
    check.register("expected", expected)
    columns = [c for c in expected.column_names if not c.endswith("_sketch")
               and not c.startswith("fit_sum") and not c.endswith("_sum")]
    listed = ", ".join(columns)
    sketches = ", ".join(f"list_sort({c})" for c in expected.column_names if c.endswith("_sketch"))
    diff = check.execute(
        f"SELECT count(*) FROM ((SELECT {listed}, {sketches} FROM got EXCEPT ALL "
        f"SELECT {listed}, {sketches} FROM expected) UNION ALL (SELECT {listed}, {sketches} "
        f"FROM expected EXCEPT ALL SELECT {listed}, {sketches} FROM got))").fetchone()
    assert diff == (0,)
    assert got.num_rows == expected.num_rows
    sums = [c for c in expected.column_names if c.endswith("_sum") or c.startswith("fit_sum")]
    for c in sums:
        a = check.execute(f"SELECT sum({c}) FROM got").fetchone()
        b = check.execute(f"SELECT sum({c}) FROM expected").fetchone()
        assert a is not None and b is not None
        assert (a[0] is None and b[0] is None) or a[0] == pytest.approx(b[0], rel=1e-9)


def _same_rows(got: pa.Table, expected: pa.Table) -> None:
    """Equal as multisets: exact for every column but floating sums (to 1e-9 in total). An
    empty sketch counts as NULL: tests/rollup_lake.py writes with pyiceberg, which stores a
    NULL list as an empty one (the ingest writer keeps NULL)."""
    check = duckdb.connect()
    check.execute("SET TimeZone = 'UTC'")
    check.register("got", got)
    check.register("expected", expected)
    assert got.column_names == expected.column_names
    floats = [c for c in expected.column_names if c.endswith("_sum") or c.startswith("fit_sum")]
    listed = ", ".join(f"nullif({c}, [])" if c.endswith("_sketch") else c
                       for c in expected.column_names if c not in floats)
    diff = check.execute(
        f"SELECT count(*) FROM ((SELECT {listed} FROM got EXCEPT ALL "
        f"SELECT {listed} FROM expected) UNION ALL (SELECT {listed} "
        f"FROM expected EXCEPT ALL SELECT {listed} FROM got))").fetchone()
    assert diff == (0,)
    assert got.num_rows == expected.num_rows
    for c in floats:
        a = check.execute(f"SELECT sum({c}) FROM got").fetchone()
        b = check.execute(f"SELECT sum({c}) FROM expected").fetchone()
        assert a is not None and b is not None
        assert (a[0] is None and b[0] is None) or a[0] == pytest.approx(b[0], rel=1e-9)


def test_cube_live_fallback_equals_the_stored_cube(lake: Path, tmp_path: Path) -> None:
    """rollup_daily_models_live merged from the daily rollup (the cube table absent or
    behind) gives the writer's rows: sketches summed per bucket and sorted, as stored."""
    raw = _raw()
    stored = queries.connect(lake).sql("SELECT * FROM rollup_daily_models").to_arrow_table()
    bare = tmp_path / "bare"
    _write_raw(bare, raw)  # no rollup table: raw rows -> daily rows -> cube rows, in SQL
    fallback = queries.connect(bare).sql(
        "SELECT * FROM rollup_daily_models_live").to_arrow_table()
    expected = models_rollup(daily_rollup(build_rollup(raw)))
    _same_rows(stored, expected)
    _same_rows(fallback, expected)
    assert expected.num_rows < daily_rollup(build_rollup(raw)).num_rows


def test_sketch_live_fallback_equals_the_stored_sketch_table(lake: Path,
                                                             tmp_path: Path) -> None:
    """rollup_daily_sketches_live from the cube's live rows (the sketch table absent or
    behind) gives the writer's rows once grouped to the sketch grain and merged."""
    raw = _raw()
    stored = queries.connect(lake).sql("SELECT * FROM rollup_daily_sketches").to_arrow_table()
    bare = tmp_path / "bare"
    _write_raw(bare, raw)  # no rollup table: raw -> daily -> cube -> sketch rows, in SQL
    # the fallback is the cube's rows: grouped and merged here as the writer does
    fallback = queries.connect(bare).sql(
        "SELECT day, model_id, model, requested_latency, served_latency, "
        "CAST(sum(latency_ms_count) AS BIGINT) AS latency_ms_count, "
        "rollup_sketch_merge(flatten(list(latency_ms_sketch))) AS latency_ms_sketch, "
        "CAST(sum(first_byte_ms_count) AS BIGINT) AS first_byte_ms_count, "
        "rollup_sketch_merge(flatten(list(first_byte_ms_sketch))) AS first_byte_ms_sketch "
        "FROM rollup_daily_sketches_live GROUP BY ALL").to_arrow_table()
    expected = sketches_rollup(daily_rollup(build_rollup(raw)))
    _same_rows(stored, expected)
    _same_rows(fallback, expected)
    assert expected.num_rows < models_rollup(daily_rollup(build_rollup(raw))).num_rows
