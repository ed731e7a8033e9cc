"""Small helpers for pipeline tests: real gzip files in the real key layout, what a lake holds."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bedrock_logbook.lake.catalog import load_table
from bedrock_logbook.lake.location import local_path, resolve
from bedrock_logbook.lake.reading import data_files


def write_batch(root: Path, records: Iterable[dict[str, Any] | bytes], *,
                account: str = "123456789012",
                region: str = "us-east-2", hour: str = "2026/11/02/10",
                name: str = "20261102T100100000Z_0123456789abcdef.json.gz") -> Path:
    path = root / "AWSLogs" / account / "BedrockModelInvocationLogs" / region / hour / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", mtime=0))
    return path


def table_files(lake: Path | str) -> list[str]:
    """The data files (URIs) of the lake table's current snapshot; [] without a table."""
    table = load_table(resolve(lake))
    return data_files(table) if table is not None else []


def table_paths(lake: Path | str) -> list[str]:
    """The current snapshot's data files as local paths, for ``read_parquet``."""
    return [local_path(u) for u in table_files(lake)]


def snapshot_ids(lake: Path | str) -> list[int]:
    """Every snapshot of the lake's table, oldest first; [] without a table."""
    table = load_table(resolve(lake))
    return [] if table is None else [s.snapshot_id for s in table.snapshots()]


def snapshot(lake: Path) -> dict[str, str]:
    """What the lake holds, comparable across lakes and runs: the sha256 of each data file of
    the table's current snapshot, by day (names carry a run id, so they are keyed by digest),
    how many snapshots the table has, and every file under quarantine/ (stray temp files
    included) by relative path; {} for a lake without them."""
    out: dict[str, str] = {}
    files = table_files(lake)
    for uri in files:
        day = re.search(r"(?:ts_day|date)=(\d{4}-\d{2}-\d{2})", uri)
        digest = hashlib.sha256(Path(local_path(uri)).read_bytes()).hexdigest()
        out[f"invocations/{day.group(1) if day else '?'}/{digest}"] = digest
    if files:
        out["invocations/snapshots"] = str(len(snapshot_ids(lake)))
    sub = lake / "quarantine"
    if sub.is_dir():
        out.update({p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(sub.rglob("*")) if p.is_file()})
    return out


def orphan_data_files(lake: Path) -> list[str]:
    """Parquet files under the table's data/ that its current snapshot does not reference
    (what a killed run leaves until orphan removal runs)."""
    referenced = {local_path(u) for u in table_files(lake)}
    root = lake / "invocations" / "data"
    return sorted(str(p) for p in root.rglob("*.parquet") if str(p) not in referenced) \
        if root.is_dir() else []
