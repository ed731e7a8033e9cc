"""The hourly rollup against the raw rows it summarises: a hand-checked case, equality with
the raw table on random filters (counts, tokens, cost from the price table, percentiles), and
merging the rollups of disjoint row sets gives the rollup of their union."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.rollup import build_rollup, merge_rollups
from bedrock_logbook.ingest.rollup_schema import GRAIN, PROMPT_BANDS, ROLLUP_SCHEMA
from bedrock_logbook.queries.prices import genai_price_rows, load_prices
from tests.lake_fixtures import write_invocations
from tests.rollup_data import rows, sample_invocations, sketch_connection

UTC = dt.UTC
H0 = dt.datetime(2026, 12, 1, tzinfo=UTC)
# Dimensions a page filters on, with the raw column each reads.
FILTER_DIMENSIONS = ("model", "caller", "served_latency", "requested_latency", "region",
                     "inference_region", "account_id", "operation", "service_tier",
                     "profile_scope", "error_code", "model_id", "fallback_reason")
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                 "cache_write_5m_tokens", "cache_write_1h_tokens")


def _hand_rows() -> pa.Table:
    minutes = [10, 40, 65, 20, 30, 50, 55]
    table = rows({
        "model": ["m"] * 7, "model_id": ["m"] * 7, "caller": ["alice"] * 7,
        "requested_latency": ["standard"] * 7, "served_latency": ["standard"] * 7,
        "input_tokens": [100, 200, 5, None, 7, 1, 100_000],
        "output_tokens": [50, 70, 5, None, None, 1, 1],
        "cache_read_tokens": [None, None, None, None, None, None, 1],
        "cache_write_tokens": [30, 20, None, None, None, 40, None],
        "cache_write_5m_tokens": [None, None, None, None, None, 10, None],
        "cache_write_1h_tokens": [None, None, None, None, None, 30, None],
        "latency_ms": [1000, 3000, 9, 100, 11, 12, 13],
        "error_code": [None, None, None, "ThrottlingException", None, None, None],
    }, 7)
    ts = [H0 + dt.timedelta(minutes=m) for m in minutes]
    return table.set_column(1, "ts", pa.array(ts, pa.timestamp("us", tz="UTC")))


def test_rollup_of_a_few_rows_by_hand() -> None:
    built = build_rollup(_hand_rows())
    got = {(r["hour"].hour, r["error_code"], r["tokens_missing"], r["cache_read_used"],
            r["cache_write_5m_used"], r["cache_write_1h_used"], r["prompt_band"]): r
           for r in built.to_pylist()}
    # rows 1 and 2 share hour 00 and every flag: 100 + 200 input, 50 + 70 output, cache
    # writes 30 + 20 without a TTL split, so all 50 are billed at the 5-minute rate.
    both = got[(0, None, False, False, True, False, 0)]
    assert (both["requests"], both["errors"], both["throttles"]) == (2, 0, 0)
    assert (both["input_tokens"], both["output_tokens"], both["cache_write_tokens"]) == (
        Decimal(300), Decimal(120), Decimal(50))
    assert (both["billed_cache_write_5m_tokens"], both["billed_cache_write_1h_tokens"]) == (
        Decimal(50), Decimal(0))
    assert both["cache_write_5m_tokens"] is None  # no split logged: the sum stays NULL
    assert (both["latency_ms_count"], both["latency_ms_sum"], both["latency_ms_min"],
            both["latency_ms_max"]) == (2, 4000.0, 1000.0, 3000.0)
    # latency 1000 -> bucket ceil(6.9078 / 0.0200007) = 346; 3000 -> ceil(8.0064 / ...) = 401
    assert both["latency_ms_sketch"] == [{"bucket": 346, "n": 1}, {"bucket": 401, "n": 1}]
    # decode fit moments: x = output tokens (50, 70), y = latency (1000, 3000)
    assert (both["fit_n"], both["fit_sum_x"], both["fit_sum_y"]) == (2, 120.0, 4000.0)
    assert (both["fit_sum_xx"], both["fit_sum_xy"], both["fit_sum_yy"]) == (
        2500.0 + 4900.0, 50_000.0 + 210_000.0, 1e6 + 9e6)
    assert got[(1, None, False, False, False, False, 0)]["requests"] == 1  # 01:05, next hour
    throttled = got[(0, "ThrottlingException", False, False, False, False, 0)]
    assert (throttled["errors"], throttled["throttles"], throttled["input_tokens"]) == (1, 1, None)
    assert got[(0, None, True, False, False, False, 0)]["requests"] == 1  # output not logged
    split = got[(0, None, False, False, True, True, 0)]  # 5m 10, 1h 30 logged
    assert (split["billed_cache_write_5m_tokens"], split["billed_cache_write_1h_tokens"]) == (
        Decimal(10), Decimal(30))
    # 100,000 input + 1 cache read = 100,001 prompt tokens: the first tier above the base
    assert got[(0, None, False, True, False, False, 100_001)]["requests"] == 1
    assert len(built) == 6
    assert built.schema.equals(ROLLUP_SCHEMA)


def test_token_sums_do_not_overflow() -> None:
    big = 2**63 - 1
    built = build_rollup(rows({"input_tokens": [big, big, big]}, 3))
    assert built.column("input_tokens").to_pylist() == [Decimal(3 * big)]
    assert built.column("prompt_band").to_pylist() == [max(PROMPT_BANDS)]


def test_packaged_price_thresholds_are_prompt_bands() -> None:
    thresholds = {r.min_prompt_tokens for r in genai_price_rows()}
    thresholds |= {r.min_prompt_tokens for r in load_prices(None)}
    assert thresholds - {0}, "genai-prices has tiered rates: the check must see some"
    assert thresholds <= set(PROMPT_BANDS), "add the new threshold to PROMPT_BANDS"


def _random_filters(raw: pa.Table, rng: random.Random, n: int) -> list[tuple[str, list[Any]]]:
    """(WHERE clause, parameters) over grain columns and an hour range; names from the fixed
    list above, values bound."""
    hours = sorted({t.replace(minute=0, second=0, microsecond=0)
                    for t in raw.column("ts").to_pylist()})
    filters = []
    for _ in range(n):
        clauses: list[str] = []
        params: list[Any] = []
        for column in rng.sample(FILTER_DIMENSIONS, rng.randint(0, 3)):
            values = sorted({v for v in raw.column(column).to_pylist()}, key=str)
            chosen = rng.sample(values, min(len(values), rng.randint(1, 3)))
            parts = []
            for v in chosen:
                if v is None:
                    parts.append(f"{column} IS NULL")
                else:
                    parts.append(f"{column} = ?")
                    params.append(v)
            clauses.append("(" + " OR ".join(parts) + ")")
        start, end = sorted(rng.sample(range(len(hours) + 1), 2))
        lo = hours[start] if start < len(hours) else hours[-1] + dt.timedelta(hours=1)
        hi = hours[end] if end < len(hours) else hours[-1] + dt.timedelta(hours=1)
        clauses.append("{t} >= ? AND {t} < ?")
        params += [lo, hi]
        filters.append((" AND ".join(clauses), params))
    return filters


def test_rollup_equals_raw_on_random_filters() -> None:
    raw = sample_invocations()
    con = sketch_connection()
    con.register("raw", raw)
    con.register("rollup", build_rollup(raw))
    raw_measures = (
        "count(*), count(error_code), count(*) FILTER (WHERE error_code = 'ThrottlingException'),"
        " count(*) FILTER (WHERE guardrail_action = 'INTERVENED'), "
        + ", ".join(f"sum({c})" for c in TOKEN_COLUMNS)
        + ", count(latency_ms), sum(latency_ms), min(latency_ms), max(latency_ms)"
        ", count(first_byte_ms), min(first_byte_ms), max(first_byte_ms)"
        ", count(output_tokens_per_s), sum(output_tokens_per_s)"
        ", regr_slope(latency_ms, output_tokens), regr_count(latency_ms, output_tokens)")
    # Counts are sums over rollup rows: 0 rather than NULL when the filter selects none.
    rollup_measures = (
        "coalesce(sum(requests), 0), coalesce(sum(errors), 0), coalesce(sum(throttles), 0),"
        " coalesce(sum(guardrail_interventions), 0), "
        + ", ".join(f"sum({c})" for c in TOKEN_COLUMNS)
        + ", coalesce(sum(latency_ms_count), 0), sum(latency_ms_sum), min(latency_ms_min),"
        " max(latency_ms_max), coalesce(sum(first_byte_ms_count), 0), min(first_byte_ms_min),"
        " max(first_byte_ms_max), coalesce(sum(output_tokens_per_s_count), 0),"
        " sum(output_tokens_per_s_sum),"
        # least squares from the moments: (n Sxy - Sx Sy) / (n Sxx - Sx^2)
        " (sum(fit_n) * sum(fit_sum_xy) - sum(fit_sum_x) * sum(fit_sum_y))"
        " / nullif(sum(fit_n) * sum(fit_sum_xx) - sum(fit_sum_x) ^ 2, 0),"
        " coalesce(sum(fit_n), 0)")
    checked = 0
    for where, params in _random_filters(raw, random.Random(3), 40):
        expected = con.execute(f"SELECT {raw_measures} FROM raw WHERE "  # noqa: S608
                               + where.format(t="ts"), params).fetchall()[0]
        got = con.execute(f"SELECT {rollup_measures} FROM rollup WHERE "  # noqa: S608
                          + where.format(t="hour"), params).fetchall()[0]
        exact_count = 4 + len(TOKEN_COLUMNS)  # counts and token sums: equal to the unit
        assert [None if v is None else int(v) for v in got[:exact_count]] == [
            None if v is None else int(v) for v in expected[:exact_count]], where
        for e, g in zip(expected[exact_count:], got[exact_count:], strict=True):
            # regr_slope is NaN where every x is equal; the rollup's formula gives NULL there
            e = None if isinstance(e, float) and math.isnan(e) else e
            assert (e is None) == (g is None), (where, e, g)
            if e is not None:
                assert float(g) == pytest.approx(float(e), rel=1e-9), (where, e, g)
        checked += expected[0] > 0
        # p50 / p90 / p99 of the filter's latencies within 1% of the exact order statistic
        values = sorted(v[0] for v in con.execute(
            "SELECT latency_ms FROM raw WHERE latency_ms IS NOT NULL AND "  # noqa: S608
            + where.format(t="ts"), params).fetchall())
        for q in (0.5, 0.9, 0.99):
            v = con.execute(f"SELECT sketch_quantile(flatten(list(latency_ms_sketch)), {q}) "
                            "FROM rollup WHERE " + where.format(t="hour"),  # noqa: S608
                            params).fetchall()[0][0]
            if not values:
                assert v is None
                continue
            exact = values[math.floor(q * (len(values) - 1))]
            assert abs(v - exact) <= 0.01 * exact * (1 + 1e-9), (where, q)
    assert checked >= 20, "most filters should select some rows"


def _canonical(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: tuple(str(r[c]) for c in GRAIN))


def _assert_same_rollup(got: pa.Table, expected: pa.Table) -> None:
    assert got.schema.equals(expected.schema)
    got_rows, expected_rows = _canonical(got), _canonical(expected)
    assert len(got_rows) == len(expected_rows)
    for g, e in zip(got_rows, expected_rows, strict=True):
        for name in ROLLUP_SCHEMA.names:
            if isinstance(e[name], float):
                assert g[name] == pytest.approx(e[name], rel=1e-12), name
            else:
                assert g[name] == e[name], name


def test_merging_rollups_of_disjoint_rows_gives_the_rollup_of_their_union() -> None:
    raw = sample_invocations()
    rng = random.Random(9)
    part = pa.array([rng.randrange(3) for _ in range(len(raw))])
    parts = [raw.filter(pa.compute.equal(part, i)) for i in range(3)]
    assert all(len(p) > 100 for p in parts)
    whole = build_rollup(raw)
    merged = merge_rollups(*(build_rollup(p) for p in parts))
    _assert_same_rollup(merged, whole)
    # The parts really overlap in grain: merging had something to add up.
    assert sum(len(build_rollup(p)) for p in parts) > len(whole)
    _assert_same_rollup(merge_rollups(whole), whole)


def _lake_rows(raw: pa.Table) -> list[dict[str, Any]]:
    out = []
    for r in raw.to_pylist():
        r["request_metadata"] = None if r["request_metadata"] is None else dict(
            r["request_metadata"])
        out.append(r)
    return out


RATE_COLUMNS = ("input_rate", "output_rate", "cache_read_rate", "cache_write_rate",
                "cache_write_1h_rate", "service_tier_multiplier", "priced")


def _band(prompt_tokens: int) -> int:
    return [b for b in PROMPT_BANDS if b <= prompt_tokens][-1]


def _group_key(r: dict[str, Any]) -> tuple[Any, ...]:
    """A raw row's rollup group, computed here from the raw columns."""
    prompt = (r["input_tokens"] or 0) + (r["cache_read_tokens"] or 0) + (
        r["cache_write_tokens"] or 0)
    no_split = r["cache_write_5m_tokens"] is None and r["cache_write_1h_tokens"] is None
    billed_5m = (r["cache_write_tokens"] or 0) if no_split else (r["cache_write_5m_tokens"] or 0)
    hour = r["ts"].astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return (hour, *(r[c] for c in GRAIN[2:-5]), _band(prompt),
            r["error_code"] is None and (r["input_tokens"] is None or r["output_tokens"] is None),
            (r["cache_read_tokens"] or 0) > 0, billed_5m > 0, (r["cache_write_1h_tokens"] or 0) > 0)


@pytest.mark.parametrize("override", [False, True])
def test_cost_from_rollup_sums_equals_raw_cost(tmp_path: Path, override: bool) -> None:
    """Every raw row of a rollup group has the same rates, so cost = rates x token sums;
    summed over random filters it equals the invocations view's cost_usd, also after a
    user's price file changes a rate (nothing rebuilt)."""
    raw = sample_invocations()
    write_invocations(tmp_path / "lake", _lake_rows(raw))
    prices = None
    if override:
        prices = tmp_path / "prices.csv"
        prices.write_text(
            "model,latency_mode,profile_scope,region,token_class,effective_from,"
            "usd_per_million,source\n"
            "anthropic.claude-3-5-haiku-20241022-v1:0,*,*,*,input,2020-01-01,2.5,test\n"
            "anthropic.claude-3-5-haiku-20241022-v1:0,*,*,*,output,2020-01-01,11,test\n")
    con = queries.connect(tmp_path / "lake", prices=prices)
    cursor = con.execute("SELECT * FROM invocations")
    names = [d[0] for d in cursor.description or ()]
    priced_rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(priced_rows) == len(raw)
    rates: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for r in priced_rows:
        key, value = _group_key(r), tuple(r[c] for c in RATE_COLUMNS)
        assert rates.setdefault(key, value) == value, f"rates differ within group {key}"
    if override:
        assert any(r["input_rate"] == 2.5 for r in priced_rows)
    built = build_rollup(raw)
    cost_rows = []
    for r in built.to_pylist():
        rate = dict(zip(RATE_COLUMNS, rates[tuple(r[c] for c in GRAIN if c != "day")],
                        strict=True))
        cost = None
        if rate["priced"]:
            cost = rate["service_tier_multiplier"] * (
                float(r["input_tokens"] or 0) * rate["input_rate"]
                + float(r["output_tokens"] or 0) * rate["output_rate"]
                + float(r["cache_read_tokens"] or 0) * (rate["cache_read_rate"] or 0)
                + float(r["billed_cache_write_5m_tokens"]) * (rate["cache_write_rate"] or 0)
                + float(r["billed_cache_write_1h_tokens"]) * (rate["cache_write_1h_rate"] or 0)
            ) / 1e6
        cost_rows.append({**{c: r[c] for c in GRAIN}, "requests": r["requests"], "cost": cost})
    rng = random.Random(4)
    for _ in range(30):
        model = rng.choice([r["model"] for r in cost_rows])
        day = rng.choice([r["day"] for r in cost_rows])
        from_rollup = [r for r in cost_rows if r["model"] == model and r["day"] >= day]
        from_raw = [r for r in priced_rows if r["model"] == model and r["day"] >= day]
        assert sum(r["requests"] for r in from_rollup) == len(from_raw)
        assert sum(r["cost"] or 0 for r in from_rollup) == pytest.approx(
            sum(r["cost_usd"] or 0 for r in from_raw), rel=1e-9, abs=1e-12)
        assert sum(r["requests"] for r in from_rollup if r["cost"] is None) == sum(
            1 for r in from_raw if r["cost_usd"] is None)
    con.close()


def test_daily_rollup_equals_raw_per_day() -> None:
    from bedrock_logbook.ingest.rollup import daily_rollup

    raw = sample_invocations()
    daily = daily_rollup(build_rollup(raw))
    assert set(daily.column("hour").to_pylist()) == {
        dt.datetime.combine(d, dt.time(), UTC) for d in daily.column("day").to_pylist()}
    con = sketch_connection()
    con.register("raw", raw)
    con.register("daily", daily)
    expected = con.execute(
        "SELECT CAST(ts AS DATE) AS day, model_id, caller, error_code, count(*),"
        " sum(output_tokens), count(latency_ms) FROM raw GROUP BY ALL ORDER BY ALL").fetchall()
    got = con.execute(
        "SELECT day, model_id, caller, error_code, sum(requests), sum(output_tokens),"
        " sum(latency_ms_count) FROM daily GROUP BY ALL ORDER BY ALL").fetchall()
    assert [tuple(None if v is None else (int(v) if i >= 4 else v) for i, v in enumerate(r))
            for r in got] == [tuple(r) for r in expected]
    assert len(daily) < len(build_rollup(raw))


def test_docs_rollups_md_has_the_generated_column_table() -> None:
    from bedrock_logbook.ingest.rollup_schema import rollup_table_doc

    text = (Path(__file__).resolve().parents[1] / "docs" / "rollups.md").read_text()
    assert rollup_table_doc() in text, (
        "paste rollup_schema.rollup_table_doc() into docs/rollups.md's Columns section")
