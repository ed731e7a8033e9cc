"""Incremental ingest state: which objects a source already delivered, and its watermarks.

Each committed run leaves one manifest per source under ``<lake>/_state/<source>/``, written
atomically *after* the data it describes is in the lake. A run killed before that point left
no manifest, so its objects are simply read again (and deduplicated by request ID).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bedrock_logbook.ingest.lake import write_json_atomic
from bedrock_logbook.ingest.schema import STATE_DIR

COMPACT_AFTER = 200  # manifests per source before they are merged into one


def _source_dir(lake: Path, source: str) -> Path:
    return lake / STATE_DIR / source


def _manifests(lake: Path, source: str) -> list[Path]:
    d = _source_dir(lake, source)
    return sorted(d.glob("manifest-*.json")) if d.is_dir() else []


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ingested_objects(lake: Path, source: str) -> dict[str, str]:
    """state_key -> fingerprint (e.g. S3 key -> ETag) of every object already ingested."""
    merged: dict[str, str] = {}
    for path in _manifests(lake, source):
        merged.update(_load(path).get("objects", {}))
    return merged


def source_state(lake: Path, source: str) -> dict[str, str]:
    """Key/value state (e.g. CloudWatch watermarks); later runs win."""
    merged: dict[str, str] = {}
    for path in _manifests(lake, source):
        merged.update(_load(path).get("source_state", {}))
    return merged


def commit(
    lake: Path,
    source: str,
    run_id: str,
    objects: Mapping[str, str],
    state: Mapping[str, str],
) -> None:
    target = _source_dir(lake, source) / f"manifest-{run_id}.json"
    write_json_atomic(target, {"run_id": run_id, "objects": dict(objects),
                               "source_state": dict(state)})
    _compact(lake, source)


def _compact(lake: Path, source: str) -> None:
    """Merge many small manifests into one, named after the newest, so reads stay cheap.

    The merged file is committed before the old ones are removed; a crash in between
    leaves entries twice, which merging reads as once.
    """
    paths = _manifests(lake, source)
    if len(paths) <= COMPACT_AFTER:
        return
    newest = _load(paths[-1])["run_id"]
    objects = ingested_objects(lake, source)
    state = source_state(lake, source)
    target = _source_dir(lake, source) / f"manifest-{newest}-compacted.json"
    write_json_atomic(target, {"run_id": newest, "objects": objects, "source_state": state})
    for p in paths:
        if p != target:
            p.unlink()
