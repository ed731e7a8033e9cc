"""The same-day prompt pairs readers (queries/sql/prompt_pairs_*.sql) and the two Modes panels
that read them: equal to an independent computation over the raw rows (plain Python below,
not the builder or the views), on the table when current, and through the live fallback when
the table is absent or behind the raw snapshot.

The lake holds the sample generator's requests parsed by the real parser over six days, plus
hand-made prompts run both ways on the same day and on different days (which must not pair).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
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
from tests.lake_fixtures import invocation_table, snapshot_properties
from tests.prompt_pairs_lake import build_from_lake, write_prompt_pairs
from tests.rollup_data import sample_invocations

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
Key = tuple[dt.date, str, str, str]
Sums = tuple[int, float, int, int | None, int, float | None]


def _hand_rows(seed: int) -> pa.Table:
    """Prompts run both ways the same day (pairs) and on consecutive days (not pairs)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(40):
        day = dt.datetime(2026, 1, 2 + i % 5, 3, tzinfo=dt.UTC)
        both_same_day = i % 2 == 0
        for j, mode in enumerate(("standard", "optimized", "standard")):
            ts = day + dt.timedelta(hours=j, days=0 if both_same_day or mode == "standard"
                                    else 1)
            rows.append({"request_id": f"hand-{seed}-{i}-{j}", "ts": ts, "model": MODEL,
                         "model_id": MODEL, "prompt_fp": f"hand-{i:02d}",
                         "served_latency": mode, "requested_latency": mode,
                         "latency_ms": rng.randint(200, 3000),
                         "output_tokens": rng.choice([None, rng.randint(1, 500)]),
                         "first_byte_ms": rng.choice([None, rng.randint(50, 400)])})
    return invocation_table(rows)


def _raw(seed: int = 11) -> pa.Table:
    return pa.concat_tables([sample_invocations(6000, 24 * 6, seed), _hand_rows(seed)])


def _write_raw(lake: Path, rows: pa.Table) -> int:
    table = open_table(resolve(lake))
    current = table.current_snapshot()
    snapshot = append(table, rows, snapshot_properties(
        None if current is None else current.snapshot_id))
    assert snapshot is not None
    return snapshot


# ---------------------------------------------------------------- the independent reference

def expected_daily(raw: pa.Table) -> dict[Key, Sums]:
    """Same-day pairs by hand: per (UTC day, model, prompt, billed mode) of successful calls
    with a latency, kept where the (day, model, prompt) has both modes."""
    acc: dict[Key, list[Any]] = defaultdict(lambda: [0, 0.0, 0, None, 0, None])
    for r in raw.to_pylist():
        if r["model"] is None or r["prompt_fp"] is None or r["latency_ms"] is None \
                or r["error_code"] is not None:
            continue
        mode = r["served_latency"] or r["requested_latency"] or "standard"
        key = (r["ts"].astimezone(dt.UTC).date(), r["model"], r["prompt_fp"], mode)
        a = acc[key]
        a[0] += 1
        a[1] += float(r["latency_ms"])
        if r["output_tokens"] is not None:
            a[2] += 1
            a[3] = (a[3] or 0) + r["output_tokens"]
        if r["first_byte_ms"] is not None:
            a[4] += 1
            a[5] = (a[5] or 0.0) + float(r["first_byte_ms"])
    modes: dict[tuple[dt.date, str, str], set[str]] = defaultdict(set)
    for day, model, fp, mode in acc:
        modes[(day, model, fp)].add(mode)
    return {k: tuple(v) for k, v in acc.items()  # type: ignore[misc]
            if modes[k[:3]] >= {"standard", "optimized"}}


def expected_prompts(raw: pa.Table) -> dict[tuple[str, str], tuple[int, int, float, float]]:
    """Per (model, prompt): calls and mean latency per mode over its same-day pair days."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for (_, model, fp, mode), v in expected_daily(raw).items():
        s = sums[(model, fp)]
        i = 0 if mode == "standard" else 1
        s[i] += v[0]
        s[2 + i] += v[1]
    return {k: (int(s[0]), int(s[1]), s[2] / s[0], s[3] / s[1]) for k, s in sums.items()}


# ---------------------------------------------------------------- lakes

@pytest.fixture(scope="module")
def raw() -> pa.Table:
    return _raw()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, raw: pa.Table) -> Path:
    folder = tmp_path_factory.mktemp("pairs-lake")
    _write_raw(folder, raw)
    rows, snapshot = build_from_lake(folder)
    write_prompt_pairs(folder, rows, snapshot)
    return folder


@pytest.fixture(scope="module")
def con(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = queries.connect(lake)
    yield connection
    connection.close()


def _live(con: duckdb.DuckDBPyConnection) -> dict[Key, tuple[Any, ...]]:
    out = {}
    for r in con.execute("SELECT * FROM prompt_pairs_live").fetchall():
        out[(r[0], r[1], r[2], r[3])] = (r[4], r[5], r[6],
                                         None if r[7] is None else int(r[7]), r[8], r[9])
    return out


def _assert_daily_equal(got: dict[Key, tuple[Any, ...]], want: dict[Key, tuple[Any, ...]]
                        ) -> None:
    assert set(got) == set(want)
    for key, values in want.items():
        g = got[key]
        assert g[0] == values[0] and g[2] == values[2] and g[3] == values[3] \
            and g[4] == values[4], key
        assert math.isclose(g[1], values[1], rel_tol=1e-12), key
        assert (g[5] is None) == (values[5] is None), key
        if values[5] is not None:
            assert math.isclose(g[5], values[5], rel_tol=1e-12), key


# ---------------------------------------------------------------- tests

def test_the_lake_has_same_day_pairs_and_pairs_only_across_days(raw: pa.Table) -> None:
    want = expected_daily(raw)
    assert len({k[:3] for k in want}) >= 20  # enough pairs for the comparisons to mean much
    prompts = {k[2] for k in want}
    assert {f"hand-{i:02d}" for i in range(0, 40, 2)} <= prompts
    assert not {f"hand-{i:02d}" for i in range(1, 40, 2)} & prompts  # days apart: no pair


def test_the_current_table_is_read_and_equals_the_raw_computation(
        con: duckdb.DuckDBPyConnection, raw: pa.Table) -> None:
    assert con.execute("SELECT logbook_prompt_pairs_current()").fetchall() == [(True,)]
    _assert_daily_equal(_live(con), expected_daily(raw))
    # The table itself holds those rows (the current branch, not the fallback, was read).
    table_rows = con.execute("SELECT count(*) FROM prompt_pairs_daily").fetchall()
    assert table_rows == [(len(expected_daily(raw)),)]


def test_same_day_views_equal_the_raw_computation(con: duckdb.DuckDBPyConnection,
                                                  raw: pa.Table) -> None:
    want = expected_prompts(raw)
    got = {(r[0], r[1]): r[2:] for r in con.execute(
        "SELECT model, prompt_fp, standard_calls, optimized_calls, standard_mean_latency_ms, "
        "optimized_mean_latency_ms, latency_improvement, paired_days "
        "FROM prompt_pairs_same_day").fetchall()}
    assert set(got) == set(want)
    days = defaultdict(set)
    for day, model, fp, _ in expected_daily(raw):
        days[(model, fp)].add(day)
    for key, (std_calls, opt_calls, std_mean, opt_mean) in want.items():
        g = got[key]
        assert (g[0], g[1], g[5]) == (std_calls, opt_calls, len(days[key]))
        assert math.isclose(g[2], std_mean, rel_tol=1e-12)
        assert math.isclose(g[3], opt_mean, rel_tol=1e-12)
        assert math.isclose(g[4], 1 - opt_mean / std_mean, rel_tol=1e-9, abs_tol=1e-12)
    by_model: dict[str, list[float]] = defaultdict(list)
    for (model, _), (_, _, std_mean, opt_mean) in want.items():
        by_model[model].append(1 - opt_mean / std_mean)
    got_models = {r[0]: r[1:] for r in con.execute(
        "SELECT model, paired_prompts, latency_improvement_pct FROM prompt_pairs_by_model"
    ).fetchall()}
    assert set(got_models) == set(by_model)
    for model, gains in by_model.items():
        assert got_models[model][0] == len(gains)
        assert math.isclose(got_models[model][1], 100 * sum(gains) / len(gains),
                            rel_tol=1e-9, abs_tol=1e-9)


def test_random_days_of_the_table_equal_the_raw_computation(
        con: duckdb.DuckDBPyConnection, raw: pa.Table) -> None:
    want = expected_daily(raw)
    days = sorted({k[0] for k in want})
    rng = random.Random(5)
    for _ in range(6):
        chosen = set(rng.sample(days, rng.randint(1, len(days))))
        got = {k: v for k, v in _live(con).items() if k[0] in chosen}
        rows = con.execute("SELECT count(*) FROM prompt_pairs_daily WHERE list_contains($d, day)",
                           {"d": sorted(chosen)}).fetchall()
        _assert_daily_equal(got, {k: v for k, v in want.items() if k[0] in chosen})
        assert rows == [(len(got),)]


def test_absent_table_gives_typed_empty_view_and_the_live_fallback(
        tmp_path: Path, raw: pa.Table, con: duckdb.DuckDBPyConnection) -> None:
    _write_raw(tmp_path, raw)
    bare = queries.connect(tmp_path)
    try:
        assert bare.execute("SELECT logbook_prompt_pairs_current()").fetchall() == [(False,)]
        assert bare.execute("SELECT count(*) FROM prompt_pairs_daily").fetchall() == [(0,)]
        types = dict(bare.execute("SELECT column_name, column_type FROM (DESCRIBE "
                                  "prompt_pairs_daily)").fetchall())
        assert types == dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE "
                                         "prompt_pairs_daily)").fetchall())
        assert types["calls"] == "BIGINT" and types["output_tokens_sum"] == "DECIMAL(38,0)"
        _assert_daily_equal(_live(bare), expected_daily(raw))
    finally:
        bare.close()
    empty = queries.connect(tmp_path / "no-lake")
    try:
        assert empty.execute("SELECT count(*) FROM prompt_pairs_live").fetchall() == [(0,)]
        assert empty.execute("SELECT count(*) FROM prompt_pairs_same_day").fetchall() == [(0,)]
    finally:
        empty.close()


def _late_pair() -> pa.Table:
    """Prompt 'late' run standard (1,000 ms) and optimized (400 ms) on a day of its own."""
    return invocation_table([
        {"request_id": "late-1", "ts": "2026-02-01T10:00:00Z", "model": MODEL,
         "prompt_fp": "late", "served_latency": "standard", "latency_ms": 1000},
        {"request_id": "late-2", "ts": "2026-02-01T11:00:00Z", "model": MODEL,
         "prompt_fp": "late", "served_latency": "optimized", "latency_ms": 400},
    ])


def test_a_table_behind_the_raw_snapshot_is_not_read(tmp_path: Path, raw: pa.Table) -> None:
    _write_raw(tmp_path, raw)
    rows, snapshot = build_from_lake(tmp_path)
    write_prompt_pairs(tmp_path, rows, snapshot)
    # A later ingest (its derived commit not yet made): a new prompt pair on a new day.
    later = _late_pair()
    _write_raw(tmp_path, later)
    stale = queries.connect(tmp_path)
    try:
        assert stale.execute("SELECT logbook_prompt_pairs_current()").fetchall() == [(False,)]
        # The table still holds the old rows; the live view is the raw computation.
        assert stale.execute("SELECT count(*) FROM prompt_pairs_daily WHERE prompt_fp = "
                             "'late'").fetchall() == [(0,)]
        everything = pa.concat_tables([raw, later])
        _assert_daily_equal(_live(stale), expected_daily(everything))
        assert stale.execute("SELECT standard_calls, optimized_calls, latency_improvement FROM "
                             "prompt_pairs_same_day WHERE prompt_fp = 'late'").fetchall() == [
            (1, 1, pytest.approx(1 - 400 / 1000))]
    finally:
        stale.close()
    # Once the table catches up it is read again.
    rows, snapshot = build_from_lake(tmp_path)
    write_prompt_pairs(tmp_path, rows, snapshot)
    fresh = queries.connect(tmp_path)
    try:
        assert fresh.execute("SELECT logbook_prompt_pairs_current()").fetchall() == [(True,)]
        assert fresh.execute("SELECT count(*) FROM prompt_pairs_daily WHERE prompt_fp = "
                             "'late'").fetchall() == [(2,)]
    finally:
        fresh.close()


def test_the_memo_follows_the_table_across_refresh(tmp_path: Path, raw: pa.Table) -> None:
    """prompt_pairs_same_day serves the connection's memo (lake_prompt_pairs) while the pairs
    table is current; refresh recomputes it, and while the table is behind the memo is empty
    and the view computes the pairs from the raw rows instead."""
    _write_raw(tmp_path, raw)
    write_prompt_pairs(tmp_path, *build_from_lake(tmp_path))
    con = queries.connect(tmp_path)
    try:
        want = expected_prompts(raw)
        assert con.execute("SELECT count(*) FROM lake_prompt_pairs").fetchall() == [
            (len(want),)]
        # The view reads the memo, not the pairs table's files.
        plan = str(con.execute("EXPLAIN SELECT * FROM prompt_pairs_same_day").fetchall())
        assert "lake_prompt_pairs" in plan and "READ_PARQUET" not in plan.upper()
        # The memo's rows are the definition's, column for column.
        assert con.execute("SELECT * FROM lake_prompt_pairs EXCEPT ALL "
                           "SELECT * FROM prompt_pairs_same_day_of").fetchall() == []
        _write_raw(tmp_path, _late_pair())
        queries.refresh(con)  # the raw table moved on; the pairs table is behind
        assert con.execute("SELECT count(*) FROM lake_prompt_pairs").fetchall() == [(0,)]
        late = ("SELECT standard_calls, optimized_calls, latency_improvement FROM "
                "prompt_pairs_same_day WHERE prompt_fp = 'late'")
        assert con.execute(late).fetchall() == [(1, 1, pytest.approx(1 - 400 / 1000))]
        assert con.execute("SELECT count(*) FROM prompt_pairs_same_day").fetchall() == [
            (len(want) + 1,)]
        write_prompt_pairs(tmp_path, *build_from_lake(tmp_path))  # the table catches up
        queries.refresh(con)
        assert con.execute("SELECT count(*) FROM lake_prompt_pairs").fetchall() == [
            (len(want) + 1,)]
        assert con.execute("SELECT standard_calls, optimized_calls FROM lake_prompt_pairs "
                           "WHERE prompt_fp = 'late'").fetchall() == [(1, 1)]
        assert con.execute(late).fetchall() == [(1, 1, pytest.approx(1 - 400 / 1000))]
    finally:
        con.close()


# ---------------------------------------------------------------- the panels

def _panel(con: duckdb.DuckDBPyConnection, name: str) -> Any:
    return panels.run(con, panels.build(name, panels.Filters(), panels.EXAMPLE_PARAMS))


def test_prompt_pairs_list_panel_keeps_its_columns_and_shows_same_day_pairs(
        con: duckdb.DuckDBPyConnection, raw: pa.Table) -> None:
    frame = _panel(con, "mode_prompt_pairs_list")
    old = [r[0] for r in con.execute("DESCRIBE mode_prompt_pairs").fetchall()]
    assert list(frame.columns) == old
    want = expected_prompts(raw)
    assert len(frame) == min(200, len(want))
    for row in frame.itertuples():
        std_calls, opt_calls, std_mean, opt_mean = want[(row.model, row.prompt_fp)]
        assert (row.standard_calls, row.optimized_calls) == (std_calls, opt_calls)
        assert math.isclose(row.latency_improvement, 1 - opt_mean / std_mean, rel_tol=1e-9,
                            abs_tol=1e-12)
    # The exact whole-lake view still pairs prompts run on different days; the panel does not.
    across = {r[0] for r in con.execute(
        "SELECT prompt_fp FROM mode_prompt_pairs WHERE prompt_fp LIKE 'hand-%'").fetchall()}
    assert {f"hand-{i:02d}" for i in range(40)} == across
    assert not {p for p in frame["prompt_fp"] if p.startswith("hand-")} - {
        f"hand-{i:02d}" for i in range(0, 40, 2)}


def test_comparison_summary_panel_keeps_its_columns_and_its_numbers(
        con: duckdb.DuckDBPyConnection, raw: pa.Table) -> None:
    frame = _panel(con, "mode_comparison_summary").set_index("model")
    old = con.execute("SELECT * FROM mode_comparison").df().set_index("model")
    assert list(frame.columns) == list(old.columns)
    assert set(frame.index) == set(old.index)
    exact = ("standard_requests", "optimized_requests", "standard_requests_with_latency",
             "optimized_requests_with_latency")
    close = ("standard_mean_output_tokens_per_s", "optimized_mean_output_tokens_per_s",
             "standard_observed_usd_per_request", "optimized_observed_usd_per_request")
    for model in old.index:
        for column in exact:
            assert frame.at[model, column] == old.at[model, column], (model, column)
        for column in close:
            a, b = frame.at[model, column], old.at[model, column]
            assert (a != a and b != b) or math.isclose(a, b, rel_tol=1e-9), (model, column)
    # Paired gain: same-day pairs, from the hand computation.
    want = expected_prompts(raw)
    gains: dict[str, list[float]] = defaultdict(list)
    for (model, _), (_, _, std_mean, opt_mean) in want.items():
        gains[model].append(1 - opt_mean / std_mean)
    for model in frame.index:
        g = gains.get(model, [])
        assert frame.at[model, "paired_prompts"] == len(g)
        if g:
            assert math.isclose(frame.at[model, "latency_improvement_pct"],
                                100 * sum(g) / len(g), rel_tol=1e-9, abs_tol=1e-9)
        else:
            assert frame.at[model, "latency_improvement_pct"] != \
                frame.at[model, "latency_improvement_pct"]  # NaN: not measured
    # p50: the order statistic within 1%, guarded as guarded_quantile (20 values).
    for model in frame.index:
        for mode in ("standard", "optimized"):
            values = sorted(r["latency_ms"] for r in raw.to_pylist()
                            if r["model"] == model and r["latency_ms"] is not None
                            and (r["served_latency"] or r["requested_latency"]
                                 or "standard") == mode)
            got = frame.at[model, f"{mode}_p50_latency_ms"]
            if len(values) < 20:
                assert got != got
            else:
                exact_p50 = values[math.floor(0.5 * (len(values) - 1))]
                assert abs(got - exact_p50) <= 0.01 * exact_p50, (model, mode)


def test_comparison_summary_list_price_is_the_rate_of_the_modes_latest_day(
        con: duckdb.DuckDBPyConnection) -> None:
    frame = _panel(con, "mode_comparison_summary").set_index("model")
    # Per request from the invocations view (not the rollups): the latest day with a rate,
    # the highest rate of that day.
    rows = con.execute("SELECT model, latency_mode, day, output_rate FROM invocations "
                       "WHERE model IS NOT NULL AND output_rate IS NOT NULL").fetchall()
    latest: dict[tuple[str, str], tuple[dt.date, float]] = {}
    for model, mode, day, rate in rows:
        best = latest.get((model, mode))
        if best is None or (day, float(rate)) > best:
            latest[(model, mode)] = (day, float(rate))
    assert latest
    for model in frame.index:
        for mode in ("standard", "optimized"):
            got = frame.at[model, f"{mode}_list_usd_per_1k_output"]
            want = latest.get((model, mode))
            if want is None:
                assert got != got
            else:
                assert math.isclose(got, want[1] / 1000, rel_tol=1e-12), (model, mode)
