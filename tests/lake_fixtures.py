"""Write hand-made rows straight into a lake with pyarrow, in the lake contract's layout.

Tests of the views use this so each expected result can be checked by hand against a few
rows, independently of how ingest parses log records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.schema import (
    INVOCATIONS_DIR,
    INVOCATIONS_SCHEMA,
    QUARANTINE_DIR,
    QUARANTINE_SCHEMA,
    RUNS_DIR,
)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def _metadata_pairs(value: Mapping[str, str] | None) -> list[tuple[str, str]] | None:
    return None if value is None else list(value.items())


def write_invocations(lake: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """One Parquet file per UTC date partition; missing columns are NULL."""
    by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        full = {name: row.get(name) for name in INVOCATIONS_SCHEMA.names}
        ts: dt.datetime = utc(row["ts"]) if isinstance(row["ts"], str) else row["ts"]
        full["ts"] = ts
        full["request_metadata"] = _metadata_pairs(row.get("request_metadata"))
        by_date[ts.date().isoformat()].append(full)
    for date, date_rows in by_date.items():
        folder = lake / INVOCATIONS_DIR / f"date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(date_rows, schema=INVOCATIONS_SCHEMA)
        pq.write_table(table, folder / f"part-{len(list(folder.iterdir())):04d}.parquet")


def write_quarantine(lake: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    folder = lake / QUARANTINE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    full = [{name: row.get(name) for name in QUARANTINE_SCHEMA.names} for row in rows]
    table = pa.Table.from_pylist(full, schema=QUARANTINE_SCHEMA)
    pq.write_table(table, folder / f"part-{len(list(folder.iterdir())):04d}.parquet")


def write_run(lake: Path, run: Mapping[str, Any]) -> None:
    folder = lake / RUNS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"run-{run['run_id']}.json").write_text(json.dumps(run), encoding="utf-8")
