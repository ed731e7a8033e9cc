"""The model cube (rollup_daily_models) on a hand-made daily rollup: rows that differ only in
hour/account/caller/operation merge into one, sums add, min/max combine, sketches add per
bucket; every other grain value keeps rows apart. Expected values are worked out by hand
below, not by the merge under test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from bedrock_logbook.ingest.rollup import conform, models_rollup
from bedrock_logbook.ingest.rollup_schema import ROLLUP_MODELS_SCHEMA, ROLLUP_SCHEMA

D1, D2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
UTC = dt.UTC


def row(day: dt.date, model: str, **values: Any) -> dict[str, Any]:
    """A daily rollup row: every grain column at a default, every measure empty."""
    out: dict[str, Any] = {f.name: None for f in ROLLUP_SCHEMA}
    out.update({
        "hour": dt.datetime.combine(day, dt.time(), tzinfo=UTC), "day": day,
        "account_id": "111111111111", "region": "us-east-1", "inference_region": "us-east-1",
        "cross_region": False, "operation": "Converse", "model_id": model, "model": model,
        "model_id_kind": "base", "caller": "alice", "requested_latency": "standard",
        "served_latency": "standard", "prompt_band": 0, "tokens_missing": False,
        "cache_read_used": False, "cache_write_5m_used": False, "cache_write_1h_used": False,
        "requests": 0, "errors": 0, "throttles": 0, "guardrail_interventions": 0,
        "billed_cache_write_5m_tokens": Decimal(0), "billed_cache_write_1h_tokens": Decimal(0),
        "latency_ms_count": 0, "first_byte_ms_count": 0, "output_tokens_per_s_count": 0,
        "fit_n": 0,
    })
    out.update(values)
    return out


def sketch(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"bucket": b, "n": n} for b, n in pairs]


DAILY = [
    # Three rows of (D1, m1, standard) differing only in caller, account and operation.
    row(D1, "m1", requests=3, errors=1, throttles=1, input_tokens=Decimal(100),
        output_tokens=None, billed_cache_write_5m_tokens=Decimal(7),
        latency_ms_count=2, latency_ms_sum=300.0, latency_ms_min=100.0, latency_ms_max=200.0,
        latency_ms_sketch=sketch((5, 1), (7, 1)),
        fit_n=2, fit_sum_x=10.0, fit_sum_y=300.0, fit_sum_xx=52.0, fit_sum_xy=1600.0,
        fit_sum_yy=50000.0),
    row(D1, "m1", caller="bob", account_id="222222222222", operation="InvokeModel",
        requests=2, guardrail_interventions=1, input_tokens=Decimal(50),
        output_tokens=Decimal(10), latency_ms_count=2, latency_ms_sum=500.0,
        latency_ms_min=150.0, latency_ms_max=350.0, latency_ms_sketch=sketch((7, 1), (9, 1)),
        first_byte_ms_count=1, first_byte_ms_sum=40.0, first_byte_ms_min=40.0,
        first_byte_ms_max=40.0, first_byte_ms_sketch=sketch((-2147483648, 1)),
        fit_n=1, fit_sum_x=10.0, fit_sum_y=150.0, fit_sum_xx=100.0, fit_sum_xy=1500.0,
        fit_sum_yy=22500.0),
    row(D1, "m1", caller=None, account_id=None, operation=None, requests=1,
        input_tokens=Decimal(5), output_tokens=Decimal(1)),
    # Kept apart: another model, another day, another served mode.
    row(D1, "m2", requests=4, input_tokens=Decimal(1)),
    row(D2, "m1", requests=5, input_tokens=Decimal(2)),
    row(D1, "m1", served_latency="optimized", requests=6, input_tokens=Decimal(3)),
]


def test_the_cube_schema_is_the_rollup_schema_without_the_four_columns() -> None:
    dropped = {"hour", "account_id", "caller", "operation"}
    assert ROLLUP_MODELS_SCHEMA.names == [n for n in ROLLUP_SCHEMA.names if n not in dropped]
    for field in ROLLUP_MODELS_SCHEMA:
        assert field == ROLLUP_SCHEMA.field(field.name)


def test_rows_differing_only_in_the_dropped_columns_merge_exactly() -> None:
    daily = conform(pa.Table.from_pylist(DAILY, schema=ROLLUP_SCHEMA))
    cube = models_rollup(daily)
    assert cube.schema == ROLLUP_MODELS_SCHEMA
    assert cube.num_rows == 4
    by_key = {(r["day"], r["model"], r["served_latency"]): r for r in cube.to_pylist()}
    assert {k: r["requests"] for k, r in by_key.items()} == {
        (D1, "m1", "standard"): 3 + 2 + 1, (D1, "m2", "standard"): 4,
        (D2, "m1", "standard"): 5, (D1, "m1", "optimized"): 6}
    merged = by_key[(D1, "m1", "standard")]
    assert merged["errors"] == 1 and merged["throttles"] == 1
    assert merged["guardrail_interventions"] == 1
    assert merged["input_tokens"] == Decimal(155)  # 100 + 50 + 5
    assert merged["output_tokens"] == Decimal(11)  # NULL + 10 + 1
    assert merged["cache_read_tokens"] is None  # NULL in every row
    assert merged["billed_cache_write_5m_tokens"] == Decimal(7)
    assert merged["latency_ms_count"] == 4 and merged["latency_ms_sum"] == 800.0
    assert (merged["latency_ms_min"], merged["latency_ms_max"]) == (100.0, 350.0)
    assert merged["latency_ms_sketch"] == sketch((5, 1), (7, 2), (9, 1))
    assert merged["first_byte_ms_count"] == 1
    assert merged["first_byte_ms_sketch"] == sketch((-2147483648, 1))
    assert merged["output_tokens_per_s_sketch"] is None  # no value in any row
    assert merged["output_tokens_per_s_sum"] is None
    assert merged["fit_n"] == 3 and merged["fit_sum_x"] == 20.0
    assert merged["fit_sum_xx"] == 152.0 and merged["fit_sum_xy"] == 3100.0
    assert merged["fit_sum_y"] == 450.0 and merged["fit_sum_yy"] == 72500.0
    # Unchanged rows stay as they were.
    assert by_key[(D2, "m1", "standard")]["input_tokens"] == Decimal(2)
    assert by_key[(D1, "m1", "optimized")]["latency_ms_sketch"] is None


def test_an_empty_daily_rollup_gives_an_empty_cube() -> None:
    cube = models_rollup(ROLLUP_SCHEMA.empty_table())
    assert cube.num_rows == 0 and cube.schema == ROLLUP_MODELS_SCHEMA


def test_docs_list_the_cube_columns() -> None:
    from pathlib import Path

    from bedrock_logbook.ingest.rollup_schema import MODELS_COLUMNS, rollup_table_doc

    text = (Path(__file__).resolve().parents[2] / "docs" / "rollups.md").read_text("utf-8")
    assert rollup_table_doc(MODELS_COLUMNS) in text, (
        "paste rollup_table_doc(MODELS_COLUMNS) into docs/rollups.md's cube columns")


def test_the_sql_sketch_merge_sums_per_bucket_and_sorts(tmp_path: Any) -> None:
    from bedrock_logbook import queries

    con = queries.connect(tmp_path / "empty-lake")
    (merged,) = con.execute(
        "SELECT rollup_sketch_merge([{'bucket': 7, 'n': 1}, {'bucket': 5, 'n': 2}, "
        "{'bucket': 7, 'n': 3}])").fetchone() or (None,)
    assert merged == [{"bucket": 5, "n": 2}, {"bucket": 7, "n": 4}]  # 1 + 3 in bucket 7
    (nothing,) = con.execute(
        "SELECT rollup_sketch_merge(CAST([] AS STRUCT(bucket INTEGER, n BIGINT)[]))"
    ).fetchone() or (0,)
    assert nothing is None
