"""What a source hands to the pipeline, and how local files are listed.

Listing (which objects exist and which are logs) is kept apart from reading (their bytes), so
the same filters serve local directories, S3 keys and tests.
"""

from __future__ import annotations

import errno
import os
import re
import stat
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


# Skip reasons that mean "this object should have been read and was not": the run is then
# partial (its own exit code), and the object is not remembered, so the next run tries again.
UNREADABLE_REASONS = frozenset({
    "permission_denied", "vanished", "unreadable_file", "bad_file_name",
    "unreadable_directory", "broken_link",
})
LAKE_MARKER = "_lake.json"


def printable_path(path: Path | str) -> str:
    """A path as valid UTF-8 text: undecodable bytes of a file name shown as \\xNN."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "backslashreplace")


def _os_reason(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "vanished"
    if isinstance(e, PermissionError):
        return "permission_denied"
    return "unreadable_file"


def _name_is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes of a non-UTF-8 name
        return False
    return True


def list_local(path: Path) -> tuple[list[Path], list[SkippedObject]]:
    """Files to read under ``path`` (a file or a directory), in a stable order.

    What cannot or should not be read is listed with its reason, never silently dropped:
    unreadable or symlinked directories (not followed: no loops), FIFOs and other non-files,
    broken links, non-UTF-8 names, and lakes (a directory holding ``_lake.json``: ``ingest
    files .`` must not read its own lake).
    """
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"input path does not exist: {printable_path(path)}")
    if not path.is_dir():
        skip = _file_skip(path, path.as_posix())
        if skip is not None and skip.reason != "not_a_log_file":
            return [], [skip]
        return [path], []
    keep: list[Path] = []
    skipped: list[SkippedObject] = []

    def unreadable(e: OSError) -> None:
        where = e.filename if e.filename is not None else path
        skipped.append(SkippedObject(printable_path(where), "unreadable_directory"))

    for root, dirs, files in os.walk(path, onerror=unreadable):
        here = Path(root)
        if LAKE_MARKER in files:
            skipped.append(SkippedObject(printable_path(here), "lake_directory"))
            dirs[:] = []
            continue
        for d in list(dirs):
            if d.startswith("."):
                dirs.remove(d)
            elif (here / d).is_symlink():
                dirs.remove(d)
                skipped.append(SkippedObject(printable_path(here / d), "symlinked_directory"))
        for name in files:
            if name.startswith("."):
                continue
            p = here / name
            skip = _file_skip(p, p.relative_to(path).as_posix())
            if skip is None:
                keep.append(p)
            else:
                skipped.append(skip)
    keep.sort()
    skipped.sort(key=lambda s: s.uri)
    return keep, skipped


def _file_skip(p: Path, rel: str) -> SkippedObject | None:
    uri = printable_path(p)
    if not _name_is_utf8(str(p)):
        return SkippedObject(uri, "bad_file_name")
    try:
        st = p.stat()
    except FileNotFoundError:
        return SkippedObject(uri, "broken_link" if p.is_symlink() else "vanished")
    except OSError as e:
        return SkippedObject(uri, _os_reason(e))
    if not stat.S_ISREG(st.st_mode):
        return SkippedObject(uri, "not_a_regular_file")
    reason = skip_reason(rel)
    return None if reason is None else SkippedObject(uri, reason)


def read_local(paths: list[Path],
               skipped: list[SkippedObject] | None = None) -> Iterator[RawObject]:
    """The files' bytes, one object each. A file that cannot be read now (deleted since it
    was listed, permission, I/O error, not a regular file any more) is appended to
    ``skipped`` with its reason and the rest go on; without ``skipped`` the error is raised."""
    for p in paths:
        layout = "auto" if p.name.endswith(".json") else "ndjson"
        try:
            data = _read_regular(p)
        except OSError as e:
            if skipped is None:
                raise
            skipped.append(SkippedObject(printable_path(p), _os_reason(e)))
            continue
        yield RawObject(
            uri=printable_path(p),
            data=data,
            state_key=None,
            fingerprint=f"{len(data)}",
            layout=layout,
        )


def _read_regular(p: Path) -> bytes:
    # O_NONBLOCK: a FIFO put in a file's place must not hang the run.
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(p))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)
