"""The sketch table (rollup_daily_sketches) on a hand-made daily rollup: rows that differ only
in columns other than day, model, served and requested mode merge into one (model_id too,
where a base model is known), counts add and sketches add per bucket, sorted; every kept
grain value keeps rows apart. Expected rows are worked out by hand below, not by the
builder under test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from bedrock_logbook.ingest.rollup import conform, sketches_rollup
from bedrock_logbook.ingest.rollup_schema import (
    ROLLUP_SCHEMA,
    ROLLUP_SKETCHES_SCHEMA,
    ZERO_BUCKET,
)
from tests.core.test_rollup_models import row, sketch

D1, D2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)

DAILY = [
    # (D1, m1, standard, standard): three rows apart in caller, region, error, model_id.
    row(D1, "m1", latency_ms_count=2, latency_ms_sketch=sketch((5, 1), (7, 1))),
    row(D1, "m1", caller="bob", region="us-west-2", error_code="ValidationException",
        latency_ms_count=2, latency_ms_sketch=sketch((7, 1), (9, 1)),
        first_byte_ms_count=1, first_byte_ms_sketch=sketch((ZERO_BUCKET, 1))),
    row(D1, "m1", model_id="us.m1", profile_scope="us", latency_ms_count=1,
        latency_ms_sketch=sketch((5, 1))),
    # Kept apart: another requested mode, two application profiles without a base model,
    # another day (no latency: counts 0, sketches NULL).
    row(D1, "m1", requested_latency="optimized", latency_ms_count=1,
        latency_ms_sketch=sketch((3, 1))),
    row(D1, None, model_id="arn:app/1", model_id_kind="application_profile",
        latency_ms_count=2, latency_ms_sketch=sketch((4, 2))),
    row(D1, None, model_id="arn:app/2", model_id_kind="application_profile",
        latency_ms_count=1, latency_ms_sketch=sketch((6, 1))),
    row(D2, "m1", requests=5),
]


def _key(r: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(r[c]) for c in ("day", "model", "model_id", "requested_latency",
                                     "served_latency"))


def test_the_sketch_schema_is_the_rollup_schema_s_columns() -> None:
    assert ROLLUP_SKETCHES_SCHEMA.names == [
        "day", "model_id", "model", "requested_latency", "served_latency",
        "latency_ms_count", "latency_ms_sketch", "first_byte_ms_count", "first_byte_ms_sketch"]
    for field in ROLLUP_SKETCHES_SCHEMA:
        assert field == ROLLUP_SCHEMA.field(field.name)


def test_rows_merge_to_day_model_and_modes_exactly() -> None:
    daily = conform(pa.Table.from_pylist(DAILY, schema=ROLLUP_SCHEMA))
    built = sketches_rollup(daily)
    assert built.schema == ROLLUP_SKETCHES_SCHEMA
    got = sorted(built.to_pylist(), key=_key)
    base = {"requested_latency": "standard", "served_latency": "standard",
            "first_byte_ms_count": 0, "first_byte_ms_sketch": None}
    expected = sorted([
        {**base, "day": D1, "model_id": None, "model": "m1", "latency_ms_count": 5,
         "latency_ms_sketch": sketch((5, 2), (7, 2), (9, 1)),
         "first_byte_ms_count": 1, "first_byte_ms_sketch": sketch((ZERO_BUCKET, 1))},
        {**base, "day": D1, "model_id": None, "model": "m1", "requested_latency": "optimized",
         "latency_ms_count": 1, "latency_ms_sketch": sketch((3, 1))},
        {**base, "day": D1, "model_id": "arn:app/1", "model": None, "latency_ms_count": 2,
         "latency_ms_sketch": sketch((4, 2))},
        {**base, "day": D1, "model_id": "arn:app/2", "model": None, "latency_ms_count": 1,
         "latency_ms_sketch": sketch((6, 1))},
        {**base, "day": D2, "model_id": None, "model": "m1", "latency_ms_count": 0,
         "latency_ms_sketch": None},
    ], key=_key)
    assert got == expected


def test_no_daily_row_builds_no_row() -> None:
    assert sketches_rollup(ROLLUP_SCHEMA.empty_table()).num_rows == 0


def test_docs_list_the_sketch_table_columns() -> None:
    from pathlib import Path

    from bedrock_logbook.ingest.rollup_schema import SKETCHES_COLUMNS, rollup_table_doc

    text = (Path(__file__).parents[2] / "docs" / "rollups.md").read_text(encoding="utf-8")
    assert rollup_table_doc(SKETCHES_COLUMNS) in text, (
        "paste rollup_table_doc(SKETCHES_COLUMNS) into docs/rollups.md's sketch table columns")
