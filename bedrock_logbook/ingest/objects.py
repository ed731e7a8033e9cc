"""What a source hands to the pipeline, and how local files are listed.

Listing (which objects exist and which are logs) is kept apart from reading (their bytes), so
the same filters serve local directories, S3 keys and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# {prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/{name}.json.gz
LOG_KEY_RE = re.compile(
    r"(?:^|/)AWSLogs/(?P<account>[^/]+)/BedrockModelInvocationLogs/(?P<region>[^/]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<h>\d{2})/(?P<name>[^/]+)$"
)
PERMISSION_CHECK_NAME = "amazon-bedrock-logs-permission-check"
LOCAL_SUFFIXES = (".json.gz", ".jsonl.gz", ".ndjson.gz", ".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class RawObject:
    """One input object: a batch file, a local file, or a page of CloudWatch events.

    ``uri`` is recorded as the ``source`` of every row read from it. ``state_key`` and
    ``fingerprint`` (e.g. S3 key and ETag) are recorded in the run manifest when the run
    commits, so a later run can skip the object; None means "do not remember it".
    """

    uri: str
    data: bytes
    state_key: str | None = None
    fingerprint: str | None = None
    # How to read ``data``: 'ndjson' (one record a line) or 'auto' (a .json file that may
    # also be one pretty-printed record or a JSON array of records).
    layout: str = "ndjson"


@dataclass(frozen=True)
class SkippedObject:
    """An object that was listed but is not an invocation-log batch (never an error)."""

    uri: str
    reason: str


def skip_reason(key: str) -> str | None:
    """Why a key/path is not an invocation-log batch, or None when it is one to read.

    Bedrock writes large bodies and media under ``.../HH/data/`` and a permission-check
    object under the prefix; neither holds log records.
    """
    name = key.rsplit("/", 1)[-1]
    if name.startswith(PERMISSION_CHECK_NAME):
        return "permission_check_object"
    if "/data/" in f"/{key}":
        return "data_payload"
    if not name.endswith(LOCAL_SUFFIXES):
        return "not_a_log_file"
    return None


def list_local(path: Path) -> tuple[list[Path], list[SkippedObject]]:
    """Files to read under ``path`` (a file or a directory), in a stable order."""
    if not path.exists():
        raise FileNotFoundError(f"input path does not exist: {path}")
    if path.is_file():
        reason = skip_reason(path.as_posix())
        if reason is not None and reason != "not_a_log_file":
            return [], [SkippedObject(str(path), reason)]
        return [path], []
    keep: list[Path] = []
    skipped: list[SkippedObject] = []
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        rel = p.relative_to(path).as_posix()
        if any(part.startswith(".") for part in p.relative_to(path).parts):
            continue
        reason = skip_reason(rel)
        if reason is None:
            keep.append(p)
        else:
            skipped.append(SkippedObject(str(p), reason))
    return keep, skipped


def read_local(paths: list[Path]) -> Iterator[RawObject]:
    for p in paths:
        layout = "auto" if p.name.endswith(".json") else "ndjson"
        st = p.stat()
        yield RawObject(
            uri=str(p),
            data=p.read_bytes(),
            state_key=None,
            fingerprint=f"{st.st_size}",
            layout=layout,
        )
