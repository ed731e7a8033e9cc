"""Write hand-made rows straight into a lake, in the lake contract's layout: invocations as
one snapshot of the Iceberg table per call (``ingest.table.append``, with the snapshot
properties our writers set), quarantine and run records as plain files.

Tests of the views use this so each expected result can be checked by hand against a few
rows, independently of how ingest parses log records.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.schema import (
    INVOCATIONS_SCHEMA,
    QUARANTINE_DIR,
    QUARANTINE_SCHEMA,
    RUNS_DIR,
)
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import TableLocation, resolve
from bedrock_logbook.lake.reading import (
    DEDUPED_AGAINST_PROPERTY,
    NO_SNAPSHOT,
    OPERATION_PROPERTY,
    RUN_ID_PROPERTY,
)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def _metadata_pairs(value: Mapping[str, str] | None) -> list[tuple[str, str]] | None:
    return None if value is None else list(value.items())


def invocation_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows in the lake schema; missing columns are NULL."""
    full_rows = []
    for row in rows:
        full = {name: row.get(name) for name in INVOCATIONS_SCHEMA.names}
        full["ts"] = utc(row["ts"]) if isinstance(row["ts"], str) else row["ts"]
        full["request_metadata"] = _metadata_pairs(row.get("request_metadata"))
        full_rows.append(full)
    return pa.Table.from_pylist(full_rows, schema=INVOCATIONS_SCHEMA)


def snapshot_properties(parent: int | None, *, operation: str = "ingest",
                        deduped_against: int | None | str = "parent") -> dict[str, str]:
    """The properties our writers put on a snapshot; by default deduped against ``parent``
    (a clean commit), else against the given snapshot id (None: ``none``)."""
    against = parent if deduped_against == "parent" else deduped_against
    return {OPERATION_PROPERTY: operation, RUN_ID_PROPERTY: uuid.uuid4().hex,
            DEDUPED_AGAINST_PROPERTY: NO_SNAPSHOT if against is None else str(against)}


def write_invocations(lake: Path | str | TableLocation, rows: Iterable[Mapping[str, Any]],
                      **properties: Any) -> int | None:
    """Append ``rows`` to the lake's table as one clean snapshot (keyword arguments as
    :func:`snapshot_properties`); its id (None: no rows, nothing committed)."""
    location = lake if isinstance(lake, TableLocation) else resolve(lake)
    table = open_table(location)
    current = table.current_snapshot()
    parent = None if current is None else current.snapshot_id
    return append(table, invocation_table(rows), snapshot_properties(parent, **properties))


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
