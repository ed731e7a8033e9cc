"""Incremental ingest state: which objects a source already delivered, and its watermarks.

Each committed run leaves one manifest per source under ``<lake>/_state/<source>/``, written
once (local: temp + rename; S3: one PUT) *after* the data it describes is committed to the
table. A run killed before that point left no manifest, so its objects are simply read again
(and deduplicated by request ID). The state lives with the lake, so any host can run the next
cron.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.ingest.schema import STATE_DIR
from bedrock_logbook.lake.location import TableLocation, resolve

COMPACT_AFTER = 200  # manifests per source before they are merged into one

Lake = LakeFiles | TableLocation | str | Path


def location_of(lake: Lake) -> TableLocation:
    """A lake given as text or a folder resolved with the default catalog."""
    if isinstance(lake, LakeFiles):
        return lake.location
    return lake if isinstance(lake, TableLocation) else resolve(lake)


def _files(lake: Lake) -> LakeFiles:
    return lake if isinstance(lake, LakeFiles) else LakeFiles.of(lake)


def _folder(source: str) -> str:
    return f"{STATE_DIR}/{source}"


def _manifests(files: LakeFiles, source: str) -> list[str]:
    return files.names(_folder(source), "manifest-", ".json")


def _load(files: LakeFiles, source: str, name: str) -> dict[str, Any]:
    data = files.read(f"{_folder(source)}/{name}")
    if data is None:
        # Merged away by another host since listed. Its entries are in a merged file this
        # listing may miss: at worst this run reads those objects again, and they all dedupe.
        return {}
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def _merged(files: LakeFiles, source: str, names: list[str]) -> tuple[dict[str, str],
                                                                      dict[str, str]]:
    objects: dict[str, str] = {}
    state: dict[str, str] = {}
    for name in names:
        manifest = _load(files, source, name)
        objects.update(manifest.get("objects", {}))
        state.update(manifest.get("source_state", {}))
    return objects, state


def ingested_objects(lake: Lake, source: str) -> dict[str, str]:
    """state_key -> fingerprint (e.g. S3 key -> ETag) of every object already ingested."""
    files = _files(lake)
    return _merged(files, source, _manifests(files, source))[0]


def source_state(lake: Lake, source: str) -> dict[str, str]:
    """Key/value state (e.g. CloudWatch watermarks); later runs win."""
    files = _files(lake)
    return _merged(files, source, _manifests(files, source))[1]


def commit(
    lake: Lake,
    source: str,
    run_id: str,
    objects: Mapping[str, str],
    state: Mapping[str, str],
) -> None:
    files = _files(lake)
    _write(files, source, f"manifest-{run_id}.json",
           {"run_id": run_id, "objects": dict(objects), "source_state": dict(state)})
    _compact(files, source, run_id)


def _write(files: LakeFiles, source: str, name: str, manifest: dict[str, Any]) -> None:
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    files.write_once(f"{_folder(source)}/{name}", data)


def _compact(files: LakeFiles, source: str, run_id: str) -> None:
    """Merge many small manifests into one, named after the newest, so reads stay cheap.

    The merged file is written before the old ones are removed; a crash in between leaves
    entries twice, which merging reads as once. Its name also carries this run's id, so two
    hosts merging at once never overwrite each other's merge (each removes only the files it
    merged).
    """
    names = _manifests(files, source)
    if len(names) <= COMPACT_AFTER:
        return
    newest = names[-1].removesuffix(".json").split("-compacted-")[0]
    objects, state = _merged(files, source, names)
    target = f"{newest}-compacted-{run_id}.json"
    _write(files, source, target, {"run_id": run_id, "objects": objects, "source_state": state})
    for name in names:
        if name != target:
            files.delete(f"{_folder(source)}/{name}")
