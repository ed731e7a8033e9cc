"""build_prompt_pairs on hand-made days: which (day, model, prompt) pair, and the sums, worked
out by hand below; docs/prompt-pairs.md is generated from the declared schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bedrock_logbook.ingest.prompt_pairs import (
    PROMPT_PAIRS_SCHEMA,
    build_prompt_pairs,
    build_prompt_pairs_in,
    prompt_pairs_doc,
)
from tests.lake_fixtures import invocation_table

ROOT = Path(__file__).resolve().parents[2]
A, B = "anthropic.claude-3-5-haiku-20241022-v1:0", "meta.llama3-1-70b-instruct-v1:0"
D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
_n = 0


def call(ts: str, prompt: str | None, mode: str | None, latency: int | None, *,
         model: str | None = A, requested: str | None = None, error: str | None = None,
         output: int | None = None, first_byte: int | None = None) -> dict[str, Any]:
    """One raw row; ``mode`` is the served mode, ``requested`` defaults to it."""
    global _n
    _n += 1
    return {"request_id": f"r{_n}", "ts": ts, "model": model, "model_id": model,
            "prompt_fp": prompt, "served_latency": mode,
            "requested_latency": requested or mode or "standard", "latency_ms": latency,
            "error_code": error, "output_tokens": output, "first_byte_ms": first_byte}


DAY1 = [
    # P1 on model A: two standard calls and one optimized that day -> a pair.
    call("2026-03-02T10:00:00Z", "P1", "standard", 1000, output=100),
    call("2026-03-02T11:00:00Z", "P1", "standard", 1200, output=120, first_byte=300),
    call("2026-03-02T12:00:00Z", "P1", "optimized", 600, output=100, first_byte=200),
    # ... a failed optimized call and one without a latency do not count.
    call("2026-03-02T13:00:00Z", "P1", "optimized", 50, error="ThrottlingException"),
    call("2026-03-02T13:30:00Z", "P1", "optimized", None, output=7),
    # Model B ran P1 optimized only: no pair for B, and it does not pair with A's calls.
    call("2026-03-02T14:00:00Z", "P1", "optimized", 400, model=B),
    # P2: standard today, optimized tomorrow -> never a same-day pair.
    call("2026-03-02T09:00:00Z", "P2", "standard", 900),
    # P3: optimized only failed; P4: optimized only without latency -> no pair.
    call("2026-03-02T09:10:00Z", "P3", "standard", 700),
    call("2026-03-02T09:11:00Z", "P3", "optimized", 300, error="ValidationException"),
    call("2026-03-02T09:20:00Z", "P4", "standard", 700),
    call("2026-03-02T09:21:00Z", "P4", "optimized", None),
    # P5: asked optimized, served standard (a fallback): billed standard twice -> no pair.
    call("2026-03-02T09:30:00Z", "P5", "standard", 700),
    call("2026-03-02T09:31:00Z", "P5", "standard", 650, requested="optimized"),
    # P6: asked optimized, served mode unknown: billed as requested (optimized) -> a pair.
    call("2026-03-02T09:40:00Z", "P6", "standard", 800),
    call("2026-03-02T09:41:00Z", "P6", None, 500, requested="optimized"),
    # No base model (application profile ARN) -> never paired; no fingerprint -> never.
    call("2026-03-02T09:50:00Z", "P7", "standard", 800, model=None),
    call("2026-03-02T09:51:00Z", "P7", "optimized", 500, model=None),
    call("2026-03-02T09:52:00Z", None, "standard", 800),
    call("2026-03-02T09:53:00Z", None, "optimized", 500),
    # P8: standard one second before midnight UTC, optimized two seconds later: two days.
    call("2026-03-02T23:59:59Z", "P8", "standard", 800),
]
DAY2 = [
    call("2026-03-03T08:00:00Z", "P2", "optimized", 450),
    call("2026-03-03T00:00:01Z", "P8", "optimized", 400),
    # P9 both ways on day 2 -> a pair on day 2.
    call("2026-03-03T10:00:00Z", "P9", "standard", 1500, output=10),
    call("2026-03-03T10:05:00Z", "P9", "optimized", 900, output=12),
    call("2026-03-03T10:06:00Z", "P9", "optimized", 1100, output=14),
]

# (day, model, prompt_fp, latency_mode, calls, latency_ms_sum, output_tokens_count,
#  output_tokens_sum, first_byte_ms_count, first_byte_ms_sum), worked out by hand.
EXPECTED = [
    (D1, A, "P1", "optimized", 1, 600.0, 1, Decimal(100), 1, 200.0),
    (D1, A, "P1", "standard", 2, 2200.0, 2, Decimal(220), 1, 300.0),
    (D1, A, "P6", "optimized", 1, 500.0, 0, None, 0, None),
    (D1, A, "P6", "standard", 1, 800.0, 0, None, 0, None),
    (D2, A, "P9", "optimized", 2, 2000.0, 2, Decimal(26), 0, None),
    (D2, A, "P9", "standard", 1, 1500.0, 1, Decimal(10), 0, None),
]


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted(tuple(r.values()) for r in table.to_pylist())


def test_pairs_of_two_hand_made_days_are_the_hand_computed_rows() -> None:
    result = build_prompt_pairs(invocation_table(DAY1 + DAY2))
    assert result.schema == PROMPT_PAIRS_SCHEMA
    assert _rows(result) == EXPECTED


def test_built_day_by_day_as_the_writer_does_gives_the_same_rows() -> None:
    one = build_prompt_pairs(invocation_table(DAY1))
    two = build_prompt_pairs(invocation_table(DAY2))
    assert _rows(one) == [r for r in EXPECTED if r[0] == D1]
    assert _rows(two) == [r for r in EXPECTED if r[0] == D2]
    # Summing across days merges: calls of P1 over the two days are those of day 1 alone.
    both = pa.concat_tables([one, two])
    assert pc.sum(both.column("calls")).as_py() == 1 + 2 + 1 + 1 + 2 + 1


def test_days_are_utc_days_whatever_the_sessions_time_zone() -> None:
    # The writer's connection may not be UTC: P8 (23:59:59 and 00:00:01 UTC) must still not
    # pair, and in Los Angeles both would fall on March 2.
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'America/Los_Angeles'")
        con.register("invocations", invocation_table(DAY1 + DAY2))
        assert _rows(build_prompt_pairs_in(con)) == EXPECTED
    finally:
        con.close()


def test_no_rows_and_rows_with_no_pair_give_an_empty_typed_table() -> None:
    assert build_prompt_pairs(invocation_table([])).schema == PROMPT_PAIRS_SCHEMA
    assert build_prompt_pairs(invocation_table([])).num_rows == 0
    lonely = build_prompt_pairs(invocation_table([r for r in DAY1 if r["prompt_fp"] == "P2"]))
    assert lonely.num_rows == 0 and lonely.schema == PROMPT_PAIRS_SCHEMA


def test_docs_are_generated_from_the_declared_schema() -> None:
    assert (ROOT / "docs" / "prompt-pairs.md").read_text() == prompt_pairs_doc(), \
        "run scripts/gen_docs.py"
