"""The rollups' latency sketch: one bucket mapping in Python, in the builder and in the DuckDB
macros, and percentiles within 1% of the exact order statistic.

The bound (DDSketch, Masson et al. 2019): for N values sorted x_0 <= ... <= x_(N-1) and
rank r = floor(q * (N - 1)), the sketch's q-percentile v satisfies |v - x_r| <= 0.01 * x_r.
Expected values are the order statistics of the generated or real values, sorted here.
"""

from __future__ import annotations

import math
import random

import pyarrow as pa
import pytest

from bedrock_logbook.ingest.rollup import build_rollup
from bedrock_logbook.ingest.rollup_schema import (
    SKETCH_ALPHA,
    SKETCH_GAMMA,
    ZERO_BUCKET,
    sketch_bucket,
    sketch_value,
)
from tests.rollup_data import real_invocations, rows, sample_invocations, sketch_connection

QS = (0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
BOUND = SKETCH_ALPHA * (1 + 1e-9)  # 1%, plus room for the last bits of a double


def order_statistic(values: list[float], q: float) -> float:
    """x_r with r = floor(q * (N - 1)), 0-based, over the sorted values."""
    ordered = sorted(values)
    return ordered[math.floor(q * (len(ordered) - 1))]


def test_bucket_mapping_by_hand() -> None:
    # gamma = 1.01 / 0.99 = 1.020202..., ln(gamma) = 0.0200007; ln(100) = 4.60517 -> 230.25
    assert SKETCH_GAMMA == pytest.approx(1.0202020202)
    assert [sketch_bucket(x) for x in (1, 1.02, 1.021, 100)] == [0, 1, 2, 231]
    assert sketch_bucket(0) == ZERO_BUCKET and sketch_value(ZERO_BUCKET) == 0.0
    # bucket 0 is (1/gamma, 1]: it stands for 2 / (gamma + 1) = 0.99
    assert sketch_value(0) == pytest.approx(0.99)
    with pytest.raises(ValueError):
        sketch_bucket(-1)
    with pytest.raises(ValueError):
        sketch_bucket(float("nan"))


def _probe_values() -> list[float]:
    """Integers where latencies live, doubles over the whole positive range, and the values
    on and next to every bucket boundary where rounding could split the implementations."""
    rng = random.Random(11)
    values: list[float] = [float(i) for i in range(1, 20_001)]
    values += [10 ** rng.uniform(-300, 300) for _ in range(20_000)]
    for k in range(-400, 2300):
        edge = SKETCH_GAMMA**k
        values += [math.nextafter(edge, 0), edge, math.nextafter(edge, math.inf)]
    values += [5e-324, 2.2250738585072014e-308, float(2**53), float(2**63 - 1), 1.7e308]
    return values


def test_python_macro_and_builder_agree_on_every_bucket() -> None:
    values = _probe_values()
    expected = [sketch_bucket(x) for x in values]
    con = sketch_connection()
    got = con.execute(
        "SELECT sketch_bucket(x) FROM (SELECT unnest($v) AS x, generate_subscripts($v, 1) AS i)"
        " ORDER BY i", {"v": values}).fetchall()
    assert [g[0] for g in got] == expected
    # The builder (its own copy of the formula, over output_tokens_per_s) puts each value in
    # the same bucket.
    built = build_rollup(rows({"output_tokens_per_s": values}, len(values)))
    buckets: dict[int, int] = {}
    for sketch in built.column("output_tokens_per_s_sketch").to_pylist():
        for e in sketch or []:
            buckets[e["bucket"]] = buckets.get(e["bucket"], 0) + e["n"]
    counts: dict[int, int] = {}
    for b in expected:
        counts[b] = counts.get(b, 0) + 1
    assert buckets == counts


def test_every_value_is_within_one_percent_of_its_bucket_value() -> None:
    con = sketch_connection()
    values = _probe_values()
    for x in values:
        assert abs(sketch_value(sketch_bucket(x)) - x) <= BOUND * x
    got = con.execute("SELECT max(abs(sketch_value(sketch_bucket(x)) - x) / x) "
                      "FROM (SELECT unnest($v) AS x)", {"v": values}).fetchall()
    assert got[0][0] <= BOUND


def _percentiles(table: pa.Table, column: str) -> dict[float, float | None]:
    """The sketch percentiles over every rollup row of ``table`` (concatenated = merged)."""
    con = sketch_connection()
    con.register("rollup", build_rollup(table))
    return {q: con.execute(f"SELECT sketch_quantile(flatten(list({column}_sketch)), $q) "
                           "FROM rollup", {"q": q}).fetchall()[0][0] for q in QS}


def _assert_within_bound(values: list[float], got: dict[float, float | None]) -> None:
    assert values, "a test over no values proves nothing"
    for q, v in got.items():
        exact = order_statistic(values, q)
        assert v is not None and abs(v - exact) <= BOUND * exact, (q, v, exact)


@pytest.mark.parametrize("column", ["latency_ms", "first_byte_ms", "output_tokens_per_s"])
def test_percentiles_of_generated_logs(column: str) -> None:
    table = sample_invocations()
    values = [v for v in table.column(column).to_pylist() if v is not None]
    assert len(values) > 100
    _assert_within_bound(values, _percentiles(table, column))


@pytest.mark.parametrize("column", ["latency_ms", "output_tokens_per_s"])
def test_percentiles_of_real_records(column: str) -> None:
    table = real_invocations()
    values = [v for v in table.column(column).to_pylist() if v is not None]
    assert len(values) >= 10
    _assert_within_bound(values, _percentiles(table, column))


def test_zeros_nulls_and_huge_values() -> None:
    rng = random.Random(5)
    latencies: list[int | None] = [0] * 300 + [None] * 200 + [2**63 - 1] * 50
    latencies += [int(rng.lognormvariate(7, 1.5)) + 1 for _ in range(1000)] + [2**62] * 30
    rng.shuffle(latencies)
    table = rows({"latency_ms": latencies}, len(latencies))
    present = [float(v) for v in latencies if v is not None]
    got = _percentiles(table, "latency_ms")
    _assert_within_bound(present, got)
    assert got[0.0] == 0.0  # zero is its own bucket: exactly 0, not "about" 0
    built = build_rollup(table)
    assert sum(built.column("latency_ms_count").to_pylist()) == len(present)  # NULLs left out
    assert max(built.column("latency_ms_max").to_pylist()) == float(2**63 - 1)


def test_all_null_gives_no_sketch_and_no_percentile() -> None:
    table = rows({"latency_ms": [None, None]}, 2)
    built = build_rollup(table)
    assert built.column("latency_ms_sketch").to_pylist() == [None]
    assert built.column("latency_ms_count").to_pylist() == [0]
    assert _percentiles(table, "latency_ms")[0.5] is None


@pytest.mark.parametrize("column, bad", [("latency_ms", -1), ("first_byte_ms", -3),
                                         ("output_tokens_per_s", float("nan")),
                                         ("output_tokens_per_s", float("inf"))])
def test_values_no_bucket_can_hold_are_refused(column: str, bad: float) -> None:
    with pytest.raises(ValueError, match="negative, NaN or infinite"):
        build_rollup(rows({column: [5, bad]}, 2))


def test_bound_is_against_the_order_statistic_not_the_interpolated_quantile() -> None:
    """quantile_cont interpolates between x_r and x_(r+1); when those are far apart no
    sketch value is near it. The pages' percentiles are the order statistic's, as here."""
    values = [1.0] * 50 + [1000.0] * 50  # r = floor(0.5 * 99) = 49 -> x_49 = 1
    table = rows({"latency_ms": [int(v) for v in values]}, len(values))
    got = _percentiles(table, "latency_ms")[0.5]
    assert got is not None and abs(got - 1.0) <= BOUND
    con = sketch_connection()
    cont = con.execute("SELECT quantile_cont(x, 0.5) FROM (SELECT unnest($v) AS x)",
                       {"v": values}).fetchall()[0][0]
    assert cont == 500.5  # 1 + 0.5 * (1000 - 1): 500 times the sketch's answer


def test_quantile_of_buckets_summed_in_sql_under_short_aliases() -> None:
    """The merge a page runs: n summed per bucket (in a CTE named like the macro's lambda
    parameters could be), then the walk; same answer as concatenating."""
    table = sample_invocations()
    con = sketch_connection()
    con.register("rollup", build_rollup(table))
    summed = con.execute(
        "WITH b AS (SELECT model, e.bucket AS bucket, sum(e.n) AS n"
        " FROM rollup, unnest(latency_ms_sketch) AS t(e) GROUP BY ALL)"
        " SELECT model, sketch_quantile(list({'bucket': bucket, 'n': n}), 0.9) FROM b"
        " GROUP BY ALL ORDER BY ALL").fetchall()
    concatenated = con.execute(
        "SELECT model, sketch_quantile(flatten(list(latency_ms_sketch)), 0.9) FROM rollup"
        " WHERE latency_ms_sketch IS NOT NULL GROUP BY ALL ORDER BY ALL").fetchall()
    assert summed == concatenated and len(summed) > 3
