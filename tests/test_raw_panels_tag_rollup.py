"""The tag rollup's builder (ingest/tag_rollup.py) on rows whose expected rollup is worked out
by hand below, and on the sample generator's rows against sums taken with Arrow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from bedrock_logbook.ingest.tag_rollup import (
    TAG_ROLLUP_SCHEMA,
    build_tag_rollup,
    tag_rollup_doc,
)
from tests.rollup_data import rows, sample_invocations

DOC = Path(__file__).resolve().parents[1] / "docs" / "tag-rollup.md"

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"


def _tags(*maps: list[tuple[str, str]] | None) -> pa.Array:
    return pa.array(maps, pa.map_(pa.string(), pa.string()))


def test_each_tag_is_a_row_and_untagged_requests_have_a_null_key() -> None:
    # r0: team=a, env=prod; r1: team=a; r2: no map; r3: an empty map; r4: team=b, another
    # model. Every request on 2026-12-01, the same grain otherwise.
    table = rows({
        "model_id": [MODEL] * 4 + ["amazon.nova-lite-v1:0"],
        "model": [MODEL] * 4 + ["amazon.nova-lite-v1:0"],
        "input_tokens": [10, 20, 30, 40, 50],
        "output_tokens": [1, 2, 3, 4, 5],
        "cache_write_tokens": [None, 100, None, None, None],
        "error_code": [None, None, None, "ThrottlingException", None],
    }, 5)
    table = table.set_column(table.schema.get_field_index("request_metadata"),
                             table.schema.field("request_metadata"),
                             _tags([("team", "a"), ("env", "prod")], [("team", "a")], None, [],
                                   [("team", "b")]))
    got = build_tag_rollup(table)
    assert got.schema == TAG_ROLLUP_SCHEMA
    by_tag = {}
    for r in got.to_pylist():
        key = (r["tag_key"], r["tag_value"], r["model"], r["cache_write_5m_used"],
               r["tokens_missing"])
        assert key not in by_tag
        by_tag[key] = (r["requests"], r["errors"], r["input_tokens"], r["output_tokens"],
                       r["billed_cache_write_5m_tokens"])
    d = Decimal
    assert by_tag == {
        # r0 alone: r1 has a cache write, so it is another pricing key
        ("team", "a", MODEL, False, False): (1, 0, d(10), d(1), d(0)),
        ("team", "a", MODEL, True, False): (1, 0, d(20), d(2), d(100)),
        ("env", "prod", MODEL, False, False): (1, 0, d(10), d(1), d(0)),
        # r2 and r3 (an empty map counts as untagged); r3 failed
        (None, None, MODEL, False, False): (2, 1, d(70), d(7), d(0)),
        ("team", "b", "amazon.nova-lite-v1:0", False, False): (1, 0, d(50), d(5), d(0)),
    }
    assert set(got.column("day").to_pylist()) == {date(2026, 12, 1)}


def test_sample_rows_keep_every_request_and_token_once_per_tag() -> None:
    raw = sample_invocations(3000, 48, 5)
    got = build_tag_rollup(raw)
    untagged = pc.sum(got.filter(pc.is_null(got.column("tag_key"))).column("requests")).as_py()
    counts = [len(m or ()) for m in raw.column("request_metadata").to_pylist()]
    outputs = [o or 0 for o in raw.column("output_tokens").to_pylist()]
    assert untagged == sum(1 for c in counts if c == 0)
    # every tag of every request is one count
    tagged = pc.sum(got.filter(pc.is_valid(got.column("tag_key"))).column("requests")).as_py()
    assert tagged == sum(counts) > 0
    # output tokens: each request's once per tag (or once when untagged)
    expected_tokens = sum(o * max(c, 1) for o, c in zip(outputs, counts, strict=True))
    assert int(pc.sum(got.column("output_tokens")).as_py()) == expected_tokens
    assert 0 < untagged < raw.num_rows


def test_the_tag_rollup_doc_is_generated_from_the_schema() -> None:
    # run scripts/gen_docs.py (make docs) after changing ingest/tag_rollup.py
    text = DOC.read_text(encoding="utf-8")
    assert text == tag_rollup_doc()
    assert all(f"| `{name}` |" in text for name in TAG_ROLLUP_SCHEMA.names)
