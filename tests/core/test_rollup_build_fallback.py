"""build_rollup runs a hash-keyed query and, if two grains ever shared a hash, falls back to
the first builder's query (ingest/rollup.py). No real input collides, so this checks that the
fallback still gives the same rollup as the fast path on generated and real records."""

from __future__ import annotations

import pyarrow as pa
import pytest

from bedrock_logbook.ingest import rollup
from tests.rollup_data import real_invocations, sample_invocations


def _run(sql: str, rows: pa.Table) -> list[dict[str, object]]:
    con = rollup.connect()
    con.register("invocations", rows)
    params = {"zero": rollup.ZERO_BUCKET, "ln_gamma": rollup.SKETCH_LN_GAMMA,
              "bands": list(rollup.PROMPT_BANDS), "throttles": list(rollup.THROTTLE_CODES)}
    table = con.sql(sql, params=params).to_arrow_table()
    con.close()
    out = rollup.conform(table).to_pylist()
    # Floating sums may be added in another order: compare them to 12 digits.
    return [{k: float(f"{v:.12g}") if isinstance(v, float) else v for k, v in r.items()}
            for r in out]


@pytest.mark.parametrize("rows", [sample_invocations(), real_invocations()],
                         ids=["generated", "real"])
def test_the_fallback_query_and_the_hash_query_build_the_same_rollup(rows: pa.Table) -> None:
    fast = _run(rollup._BUILD_BY_HASH, rows)
    assert fast == _run(rollup._BUILD, rows)
    assert sum(r["requests"] for r in fast) == rows.num_rows  # type: ignore[misc]
