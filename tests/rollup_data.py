"""Invocation rows for the rollup tests: the sample generator's logs and the real fixture
records, parsed by the real parser into the raw table's Arrow schema."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa

from bedrock_logbook.ingest.parse import Rejected, parse_record
from bedrock_logbook.ingest.sample import generate_records
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.queries.catalog import sql_objects
from tests.shared_data import SEED_RECORDS, real_log_paths

SKETCH_MACROS = ("sketch_bucket", "sketch_value", "sketch_quantile")


@cache
def sample_invocations(n: int = 4000, hours: int = 72, seed: int = 7) -> pa.Table:
    """``n`` generated requests (``bedrock-logbook sample``'s generator) as raw-table rows."""
    rows = [parse_record(json.dumps(r).encode()) for r in
            generate_records(n, seed=seed, hours=hours)]
    return pa.Table.from_pylist(rows, schema=INVOCATIONS_SCHEMA)


@cache
def real_invocations() -> pa.Table:
    """Every real record in tests/fixtures (real logs and seed posts) the parser accepts."""
    records: list[Any] = [json.loads(p.read_text(encoding="utf-8")) for p in real_log_paths()]
    for path in sorted(SEED_RECORDS.glob("*.json")):
        records += json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for record in records:
        try:
            rows.append(parse_record(json.dumps(record).encode()))
        except Rejected:
            continue  # e.g. a seed post's record with a made-up timestamp
    return pa.Table.from_pylist(rows, schema=INVOCATIONS_SCHEMA)


def rows(values: dict[str, list[Any]], n: int) -> pa.Table:
    """``n`` raw rows: the given columns, request_id and ts filled in, every other NULL."""
    columns: dict[str, Any] = {
        "request_id": [f"r{i}" for i in range(n)],
        # 2026-12-01T00:00:00Z plus i seconds (one hour for n <= 3600)
        "ts": [1_796_083_200_000_000 + i * 1_000_000 for i in range(n)],
    }
    columns.update(values)
    return pa.table(
        {f.name: pa.array(columns.get(f.name, [None] * n), f.type)
         for f in INVOCATIONS_SCHEMA},
        schema=INVOCATIONS_SCHEMA,
    )


def sketch_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB with the sketch macros exactly as queries/sql/ defines them."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for obj in sql_objects():
        if obj.name in SKETCH_MACROS:
            con.execute(obj.text)
    return con
