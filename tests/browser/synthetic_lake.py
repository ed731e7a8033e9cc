"""A synthetic lake in the real lake layout, built with numpy + Arrow (no JSON, no pipeline):
the invocations appended to the Iceberg table (one snapshot per day), plus run and quarantine
files.

Used by the dashboard tests (a few thousand rows) and by ``bench/dashboard_bench.py``
(10 million rows). Values follow the lake contract in ``ingest/schema.py``: lower-case
latency modes, NULL latency for InvokeModel calls, profile scopes, cross-region routing,
fallbacks from optimized to standard, errors, requestMetadata tags, a run record and a few
quarantined lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bedrock_logbook.ingest.schema import (
    INVOCATIONS_SCHEMA,
    QUARANTINE_DIR,
    QUARANTINE_SCHEMA,
    RUNS_DIR,
)
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import resolve
from tests.lake_fixtures import snapshot_properties


@dataclass(frozen=True)
class ModelSpec:
    model: str
    weight: float
    optimized: bool  # offers latency-optimized inference
    ms_per_token: float  # standard decode time per output token
    base_ms: float
    usd_in: float  # per million tokens, standard
    usd_out: float


MODELS = (
    ModelSpec("anthropic.claude-3-5-haiku-20241022-v1:0", 0.35, True, 17.0, 450, 0.8, 4.0),
    ModelSpec("meta.llama3-1-70b-instruct-v1:0", 0.15, True, 14.0, 300, 0.72, 0.72),
    ModelSpec("anthropic.claude-3-5-sonnet-20241022-v2:0", 0.25, False, 22.0, 700, 3.0, 15.0),
    ModelSpec("amazon.nova-lite-v1:0", 0.15, False, 6.0, 250, 0.06, 0.24),
    ModelSpec("ai21.jamba-1-5-mini-v1:0", 0.10, False, 9.0, 300, 0.0, 0.0),  # left unpriced
)
SOURCE_REGIONS = ("us-east-2", "us-east-1", "us-west-2", "eu-west-3")
US_REGIONS = ("us-east-1", "us-east-2", "us-west-2")
CALLERS = ("etl-batch", "chat-frontend", "alice", "bob", "support-bot", "eval-runner")
OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")
# The values ingest writes (ingest/latency_mode.py): the lake must look like a real one.
FALLBACK_REASONS = ("quota_or_capacity", "token_limit")
TEAMS = ("search", "support", "research")
OPTIMIZED_SPEEDUP = 1.9  # seed 000: optimized decodes ~1.9x faster


def _pick(rng: np.random.Generator, values: tuple[str, ...], n: int,
          p: list[float] | None = None) -> tuple[np.ndarray, pa.Array]:
    idx = rng.choice(len(values), size=n, p=p)
    strings = pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(values))
    return idx, strings.cast(pa.string())


def _day_table(rng: np.random.Generator, day: date, n: int, first_line: int) -> pa.Table:
    weights = np.array([m.weight for m in MODELS])
    model_idx = rng.choice(len(MODELS), size=n, p=weights / weights.sum())
    models = pa.DictionaryArray.from_arrays(
        pa.array(model_idx, pa.int32()), pa.array([m.model for m in MODELS])
    ).cast(pa.string())
    region_idx, regions = _pick(rng, SOURCE_REGIONS, n, [0.4, 0.3, 0.2, 0.1])
    eu = region_idx == 3

    # Profile scope: 'us'/'eu' geography profiles, 'global', or a direct call (NULL).
    scope_draw = rng.random(n)
    scope = np.where(scope_draw < 0.55, np.where(eu, "eu", "us"),
                     np.where(scope_draw < 0.7, "global", ""))
    direct = scope == ""
    model_strs = np.array([m.model for m in MODELS])[model_idx]
    model_id = np.where(direct, model_strs, np.char.add(np.char.add(scope, "."), model_strs))

    region_names = np.array(SOURCE_REGIONS)[region_idx]
    routed = np.where(eu, "eu-central-1", np.array(US_REGIONS)[rng.integers(0, 3, n)])
    inference_region = np.where(direct, region_names, routed)
    cross_region = inference_region != region_names

    optimizable = np.array([m.optimized for m in MODELS])[model_idx]
    requested_opt = optimizable & (rng.random(n) < 0.4)
    fell_back = requested_opt & (rng.random(n) < 0.12)
    # Only an optimized request can have an unknowable served mode (docs/served-latency.md).
    unknown_served = requested_opt & ~fell_back & (rng.random(n) < 0.04)
    served = np.where(requested_opt & ~fell_back, "optimized", "standard")
    fallback_reason = np.where(
        fell_back, np.array(FALLBACK_REASONS)[rng.integers(0, 2, n)], ""
    )

    op_idx, operations = _pick(rng, OPERATIONS, n, [0.45, 0.3, 0.15, 0.1])
    input_tokens = rng.lognormal(6.5, 1.0, n).astype(np.int64) + 10
    output_tokens = np.minimum(rng.lognormal(5.5, 0.8, n).astype(np.int64) + 5, 4096)
    per_token = np.array([m.ms_per_token for m in MODELS])[model_idx]
    per_token = np.where(served == "optimized", per_token / OPTIMIZED_SPEEDUP, per_token)
    base = np.array([m.base_ms for m in MODELS])[model_idx]
    latency = base + per_token * output_tokens + rng.normal(0, 80, n) + cross_region * 40
    latency = np.maximum(latency, 50).astype(np.int64)
    has_latency = op_idx != 2  # InvokeModel logs no latency
    errors = rng.random(n) < 0.02
    cache_capable = np.array(["claude" in m.model or "nova" in m.model for m in MODELS])[model_idx]
    cache_read = np.where(cache_capable & (rng.random(n) < 0.3), input_tokens * 3, 0)

    ts_seconds = np.sort(rng.integers(0, 86_400, n))
    start_us = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000
    ts = pa.array(start_us + ts_seconds * 1_000_000, pa.int64())
    lines = np.arange(first_line, first_line + n)

    tagged = rng.random(n) < 0.5
    team_idx = rng.integers(0, len(TEAMS), n)
    offsets = np.concatenate([[0], np.cumsum(tagged.astype(np.int32))]).astype(np.int32)
    metadata = pa.MapArray.from_arrays(
        pa.array(offsets),
        pa.array(np.full(int(tagged.sum()), "team")),
        pa.array(np.array(TEAMS)[team_idx[tagged]]),
    )

    def opt(values: np.ndarray, mask: np.ndarray, typ: pa.DataType) -> pa.Array:
        return pa.array(values, typ, mask=~mask)

    columns = {
        "request_id": pc.binary_join_element_wise(
            f"{day.isoformat()}-", pa.array(lines).cast(pa.string()), ""
        ),
        "ts": ts.cast(pa.timestamp("us", tz="UTC")),
        "account_id": pa.array(np.full(n, "123456789012")),
        "region": regions,
        "inference_region": pa.array(inference_region),
        "cross_region": pa.array(cross_region),
        "operation": operations,
        "model_id": pa.array(model_id),
        "model": models,
        "model_id_kind": pa.array(np.where(direct, "base", "system_profile")),
        "profile_scope": opt(scope, ~direct, pa.string()),
        "caller_arn": None,
        "caller": _pick(rng, CALLERS, n)[1],
        "requested_latency": pa.array(np.where(requested_opt, "optimized", "standard")),
        "served_latency": opt(served, ~unknown_served, pa.string()),
        "served_latency_source": pa.array(
            np.where(unknown_served, "unknown",
                     np.where(requested_opt, "response_body", "not_requested"))
        ),
        "fallback_reason": opt(fallback_reason, fell_back, pa.string()),
        "service_tier": None,
        "input_tokens": pa.array(input_tokens),
        "output_tokens": pa.array(output_tokens),
        "cache_read_tokens": opt(cache_read, cache_read > 0, pa.int64()),
        "cache_write_tokens": None,
        "latency_ms": opt(latency, has_latency, pa.int64()),
        "first_byte_ms": None,
        "output_tokens_per_s": opt(output_tokens * 1000.0 / latency, has_latency, pa.float64()),
        "stop_reason": pa.array(np.full(n, "end_turn")),
        "error_code": opt(np.full(n, "ThrottlingException"), errors, pa.string()),
        "guardrail_action": None,
        "request_metadata": metadata,
        "source": pa.array(np.full(n, f"synthetic://{day.isoformat()}")),
        "source_line": pa.array(lines),
        "schema_version": pa.array(np.full(n, "1.0")),
    }
    arrays = []
    for field in INVOCATIONS_SCHEMA:
        value = columns.get(field.name)
        arrays.append(pa.nulls(n, field.type) if value is None else value.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=INVOCATIONS_SCHEMA)


def write_lake(lake: Path, *, rows: int, days: int = 14, last_day: date = date(2026, 11, 20),
               seed: int = 7, rollups: bool = False, patterns: int = 7) -> int:
    """Write ``rows`` invocations spread over ``days`` UTC days ending ``last_day``.

    ``rollups``: also write the rollup tables (docs/rollups.md), built by ingest's
    ``build_rollup``/``daily_rollup``. So that a year of 100M requests is built in minutes,
    the days then repeat ``patterns`` generated days (a weekly pattern by default): day i is
    pattern i mod ``patterns`` moved to its date (new request IDs), and its rollup is that
    pattern's rollup moved the same way, so the rollups equal what the builder gives for the
    raw table.
    """
    if rollups:
        return _write_patterned_lake(lake, rows=rows, days=days, last_day=last_day, seed=seed,
                                     patterns=patterns)
    rng = np.random.default_rng(seed)
    per_day = np.full(days, rows // days)
    per_day[: rows % days] += 1
    written = 0
    table = open_table(resolve(lake))
    for i, n in enumerate(per_day):
        day = last_day - timedelta(days=days - 1 - i)
        # One clean snapshot per day, as one ingest run per day would commit.
        current = table.current_snapshot()
        append(table, _day_table(rng, day, int(n), written + 1),
               snapshot_properties(None if current is None else current.snapshot_id))
        written += int(n)
    _write_run(lake, written, last_day)
    _write_quarantine(lake)
    return written


def _moved(table: pa.Table, columns: dict[str, Any]) -> pa.Table:
    for name, values in columns.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), values.cast(table.schema.field(i).type))
    return table


def _write_patterned_lake(lake: Path, *, rows: int, days: int, last_day: date, seed: int,
                          patterns: int) -> int:
    from bedrock_logbook.ingest.rollup import build_rollup, daily_rollup
    from tests.rollup_lake import write_rollups

    rng = np.random.default_rng(seed)
    per_day = rows // days
    first_day = last_day - timedelta(days=days - 1)
    templates = [_day_table(rng, first_day + timedelta(days=j), per_day, 1)
                 for j in range(min(patterns, days))]
    hourly_templates = [build_rollup(t) for t in templates]
    daily_templates = [daily_rollup(h) for h in hourly_templates]
    table = open_table(resolve(lake))
    written = 0
    hourly_batches: list[pa.Table] = []
    daily_batches: list[pa.Table] = []
    for i in range(days):
        j = i % len(templates)
        day = first_day + timedelta(days=i)
        shift = pa.scalar(timedelta(days=i - j), pa.duration("us"))
        raw = templates[j]
        lines = pa.array(np.arange(written + 1, written + raw.num_rows + 1))
        raw = _moved(raw, {
            "ts": pc.add(raw.column("ts"), shift),
            "request_id": pc.binary_join_element_wise(
                f"{day.isoformat()}-", lines.cast(pa.string()), ""),
            "source_line": lines,
            "source": pa.array(np.full(raw.num_rows, f"synthetic://{day.isoformat()}")),
        })
        current = table.current_snapshot()
        append(table, raw, snapshot_properties(None if current is None
                                               else current.snapshot_id))
        written += raw.num_rows
        for batches, template in ((hourly_batches, hourly_templates[j]),
                                  (daily_batches, daily_templates[j])):
            batches.append(_moved(template, {
                "hour": pc.add(template.column("hour"), shift),
                "day": _shift_days(template.column("day"), i - j),
            }))
    snapshot = table.current_snapshot()
    assert snapshot is not None
    # A month of rollup rows per snapshot (the first replaces): bounded memory.
    step = 31
    write_rollups(lake, (pa.concat_tables(hourly_batches[k:k + step])
                         for k in range(0, days, step)),
                  (pa.concat_tables(daily_batches[k:k + step]) for k in range(0, days, step)),
                  snapshot.snapshot_id, run_id="synthetic")
    _write_run(lake, written, last_day)
    _write_quarantine(lake)
    return written


def _shift_days(days: pa.ChunkedArray, n: int) -> Any:
    ordinal = pc.add(days.cast(pa.int32()), pa.scalar(n, pa.int32()))
    return ordinal.cast(pa.date32())


def _write_run(lake: Path, rows: int, last_day: date) -> None:
    runs = lake / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    finished = datetime(last_day.year, last_day.month, last_day.day, 23, 59, tzinfo=UTC)
    record = {
        "run_id": "synthetic-1", "started_at": (finished - timedelta(seconds=30)).isoformat(),
        "finished_at": finished.isoformat(), "seconds": 30.0, "source": "files",
        "objects": 3, "skipped_objects": 1, "lines": rows + 2, "rows_written": rows,
        "duplicates": 0, "quarantined": 2, "bytes_in": rows * 2000,
    }
    (runs / "run-synthetic-1.json").write_text(json.dumps(record), encoding="utf-8")


def _write_quarantine(lake: Path) -> None:
    quarantine = lake / QUARANTINE_DIR
    quarantine.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(
        [
            {"source": "synthetic://bad.json", "source_line": 3, "reason": "malformed_json",
             "detail": "Expecting ',' delimiter", "request_id": None, "raw": "{\"requestId\": "},
            {"source": "synthetic://bad.json", "source_line": 9, "reason": "missing_field",
             "detail": "no timestamp", "request_id": "r-9", "raw": "{}"},
        ],
        schema=QUARANTINE_SCHEMA,
    )
    pq.write_table(table, quarantine / "part-synthetic.parquet")
