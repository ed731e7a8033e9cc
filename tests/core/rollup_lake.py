"""What a lake's rollup tables should hold, computed independently of the rollup writer: the
raw table's current snapshot read with Arrow, one row per request_id by the readers' rule
(the first by ts, source, source_line), then ``build_rollup`` / ``daily_rollup`` (tested on
their own in tests/test_rollup_build.py) / ``models_rollup`` (tests/core/test_rollup_models.py)
and, per UTC day of the raw rows, ``build_prompt_pairs`` (tests/core/test_prompt_pairs_build.py)
and ``build_tag_rollup`` (tests/test_raw_panels_tag_rollup.py)."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.ingest.prompt_pairs import build_prompt_pairs
from bedrock_logbook.ingest.rollup import build_rollup, daily_rollup, models_rollup, sketches_rollup
from bedrock_logbook.ingest.sample import generate_records
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.tag_rollup import build_tag_rollup
from bedrock_logbook.lake.catalog import load_table, open_catalog
from bedrock_logbook.lake.location import (
    NAMESPACE,
    PROMPT_PAIRS_TABLE,
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    ROLLUP_MODELS_TABLE,
    ROLLUP_SKETCHES_TABLE,
    TAG_ROLLUP_TABLE,
    TableLocation,
    resolve,
)
from bedrock_logbook.lake.reading import ROLLUP_OF_PROPERTY, data_files

TABLES = (ROLLUP_HOURLY_TABLE, ROLLUP_DAILY_TABLE, ROLLUP_MODELS_TABLE, PROMPT_PAIRS_TABLE,
          TAG_ROLLUP_TABLE, ROLLUP_SKETCHES_TABLE)


def generated_logs(root: Path, n: int, *, seed: int, start: datetime, hours: int,
                   tag: str) -> set[str]:
    """``n`` generated requests as gzip files (40 records each, real key layout); the UTC
    days their timestamps fall on (a hand count from the records, not from the lake)."""
    records = _with_prompt_pairs(list(generate_records(n, seed=seed, start=start, hours=hours)))
    for i in range(0, n, 40):
        path = (root / "AWSLogs" / "123456789012" / "BedrockModelInvocationLogs" /
                "us-east-1" / "2026" / "11" / "02" / "10" /
                f"20261102T100100000Z_{tag}{i:015x}.json.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(
            b"\n".join(json.dumps(r).encode() for r in records[i:i + 40]) + b"\n", mtime=0))
    return {str(r["timestamp"])[:10] for r in records}


def _with_prompt_pairs(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with, per UTC day x model x operation, one successful standard call given
    the prompt of one successful optimized call: the same-day pairs ``prompt_pairs_daily``
    keeps (the generator draws every prompt afresh, so it makes none)."""
    first: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in records:
        mode = (r.get("performanceConfig") or {}).get("latency")
        if mode in ("STANDARD", "OPTIMIZED") and "errorCode" not in r:
            key = (str(r["timestamp"])[:10], r["modelId"], r["operation"], mode)
            first.setdefault(key, r)
    for (day, model, operation, mode), standard in first.items():
        optimized = first.get((day, model, operation, "OPTIMIZED"))
        if mode == "STANDARD" and optimized is not None:
            standard["input"] = json.loads(json.dumps(optimized["input"]))
    return records


def location_of(lake: Path | str | TableLocation) -> TableLocation:
    return lake if isinstance(lake, TableLocation) else resolve(lake)


def raw_rows(lake: Path | str | TableLocation) -> pa.Table:
    """The raw table's current rows, one per request_id by the readers' rule."""
    location = location_of(lake)
    table = load_table(location)
    assert table is not None
    files = LakeFiles.of(location)
    parts = [files.parquet(u).read().select(INVOCATIONS_SCHEMA.names)
             .cast(INVOCATIONS_SCHEMA) for u in data_files(table)]
    rows = pa.concat_tables(parts).to_pylist()
    rows.sort(key=lambda r: (r["ts"], r["source"] or "", r["source_line"] or 0))
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept.setdefault(row["request_id"], row)
    return pa.Table.from_pylist(list(kept.values()), schema=INVOCATIONS_SCHEMA)


def _normal(table: pa.Table) -> list[tuple[Any, ...]]:
    """Rows comparable across builds: floating sums to 12 significant digits (DuckDB may add
    an hour's doubles in another order), sorted."""
    out = []
    for row in table.to_pylist():
        out.append(tuple((k, float(f"{v:.12g}") if isinstance(v, float) else v)
                         for k, v in row.items()))
    return sorted(out, key=repr)


def expected_rollups(lake: Path | str | TableLocation) -> dict[str, list[tuple[Any, ...]]]:
    raw = raw_rows(lake)
    hourly = build_rollup(raw)
    daily = daily_rollup(hourly)
    return {ROLLUP_HOURLY_TABLE: _normal(hourly), ROLLUP_DAILY_TABLE: _normal(daily),
            ROLLUP_MODELS_TABLE: _normal(models_rollup(daily)),
            PROMPT_PAIRS_TABLE: _normal(_per_day(raw, build_prompt_pairs)),
            TAG_ROLLUP_TABLE: _normal(_per_day(raw, build_tag_rollup)),
            ROLLUP_SKETCHES_TABLE: _normal(sketches_rollup(daily))}


def _per_day(raw: pa.Table, build: Any) -> pa.Table:
    """A per-day builder run on each UTC day's raw rows, as the writer runs it."""
    days = pc.cast(raw.column("ts"), pa.date32())  # ts is timestamp[us, UTC]: its UTC date
    parts = [build(raw.filter(pc.equal(days, day))) for day in pc.unique(days).to_pylist()]
    return pa.concat_tables(parts) if parts else build(raw)


def rollup_table(lake: Path | str | TableLocation, name: str) -> Any:
    return open_catalog(location_of(lake)).load_table((NAMESPACE, name))


def stored_rollups(lake: Path | str | TableLocation) -> dict[str, list[tuple[Any, ...]]]:
    """Each rollup table's current rows, read from its data files with Arrow (pyiceberg's
    ``to_arrow`` reads a NULL sketch back as an empty list; readers use the files)."""
    files = LakeFiles.of(location_of(lake))
    out = {}
    for name in TABLES:
        table = rollup_table(lake, name)
        parts = [files.parquet(t.file.file_path).read().replace_schema_metadata(None)
                 for t in table.scan().plan_files()]
        out[name] = _normal(pa.concat_tables(parts)) if parts else []
    return out


def rollup_of(lake: Path | str | TableLocation, name: str) -> int | None:
    snapshot = rollup_table(lake, name).current_snapshot()
    if snapshot is None:
        return None
    return int(snapshot.summary.additional_properties[ROLLUP_OF_PROPERTY])


def raw_snapshot(lake: Path | str | TableLocation) -> int:
    table = load_table(location_of(lake))
    assert table is not None and table.current_snapshot() is not None
    return int(table.current_snapshot().snapshot_id)


def rollup_snapshots(lake: Path | str | TableLocation, name: str) -> int:
    return len(rollup_table(lake, name).snapshots())
