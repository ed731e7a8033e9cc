"""A local lake on disk: lock, metadata (``_lake.json``: schema version and salt), atomic files.

Every file is written to a hidden temp name beside its target, flushed to disk, then renamed,
so a reader (or a crash) sees either the old lake or the new file, never half of one. An
``s3://`` lake has none of these: its writers take no lock (the catalog's compare-and-swap
serialises commits) and a PUT is atomic (``lake_files``, ``shared_salt``).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from bedrock_logbook.ingest.schema import (
    INVOCATIONS_DIR,
    LAKE_META_FILE,
    LAKE_SCHEMA_VERSION,
    LOCK_FILE,
    PARTITION_KEY,
)
from bedrock_logbook.lake.location import TableLocation

TMP_PREFIX = ".tmp-"


class LakeError(RuntimeError):
    """The lake cannot be used as asked; the message says why and what to do."""


class LakeBusyError(LakeError):
    """Another process holds the lake's ingest lock."""


class LakeLock:
    """Exclusive ingest lock on a lake, held for the life of the ``with`` block.

    flock is released by the kernel when its holder dies, so a lock left by a killed run
    never needs a human: the next run simply gets it.
    """

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self._fd: int | None = None

    def __enter__(self) -> LakeLock:
        self.lake.mkdir(parents=True, exist_ok=True)
        path = self.lake / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LakeBusyError(
                f"another ingest (pid {holder}) is writing to {self.lake}; nothing done"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def writer_lock(location: TableLocation) -> AbstractContextManager[object]:
    """What a writer holds for a run: ``LakeLock`` on a local lake; nothing on an ``s3://``
    lake, where the catalog's compare-and-swap on the table is the guarantee."""
    return nullcontext() if location.is_s3 else LakeLock(Path(location.lake))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(target: Path) -> Path:
    return target.with_name(f"{TMP_PREFIX}{target.name}")


def commit_file(tmp: Path, target: Path) -> None:
    """Make a fully written temp file durable, then atomically put it in place."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    fsync_dir(target.parent)


def write_bytes_atomic(target: Path, data: bytes, mode: int | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(target)
    if mode is None:
        tmp.write_bytes(data)
    else:  # created with its final mode: never readable by others, not even for a moment
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    commit_file(tmp, target)


def write_json_atomic(target: Path, obj: Any) -> None:
    write_bytes_atomic(target, (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode())


def remove_temp_files(lake: Path) -> int:
    """Temp files left by a killed run are garbage by construction: remove them."""
    n = 0
    for p in lake.rglob(f"{TMP_PREFIX}*"):
        if p.is_file():
            p.unlink()
            n += 1
    return n


def read_lake_meta(lake: Path) -> dict[str, Any] | None:
    """``_lake.json``, or None when the lake has none yet; LakeError when it is damaged."""
    meta_path = lake / LAKE_META_FILE
    try:
        data = meta_path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise LakeError(f"cannot read {meta_path}: {e.strerror}") from None
    try:
        meta = json.loads(data)
        version = int(meta.get("schema_version", 0))
        salt = meta["salt"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LakeError(
            f"{meta_path} is damaged (not JSON with schema_version and salt); restore it from "
            "a backup: its salt keys every prompt fingerprint in the lake"
        ) from None
    if version > LAKE_SCHEMA_VERSION:
        raise LakeError(
            f"{lake} was written by a newer bedrock-logbook (lake schema "
            f"{version} > {LAKE_SCHEMA_VERSION}); upgrade bedrock-logbook"
        )
    if not isinstance(salt, str) or not salt:
        raise LakeError(f"{meta_path} has no usable salt; restore it from a backup")
    return dict(meta)


def lake_salt(lake: Path, override: str | None) -> bytes:
    """The fingerprint salt, kept in ``_lake.json`` (mode 0600: it is the one secret that
    makes fingerprints unguessable). The first run stores the ``--salt`` given, or a random
    one; a later ``--salt`` that differs is refused, since it would fork every fingerprint."""
    meta = read_lake_meta(lake)
    if meta is not None:
        if override and override != meta["salt"]:
            raise LakeError(
                f"--salt differs from the salt {lake} was built with (in {LAKE_META_FILE}); "
                "fingerprints would no longer match: drop --salt (or BEDROCK_LOGBOOK_SALT)"
            )
        meta_path = lake / LAKE_META_FILE
        if meta_path.stat().st_mode & 0o077:
            meta_path.chmod(0o600)  # lakes made before the salt was private
        return str(meta["salt"]).encode()
    meta = {"schema_version": LAKE_SCHEMA_VERSION,
            "salt": override or secrets.token_hex(16)}
    write_bytes_atomic(lake / LAKE_META_FILE,
                       (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)
    return str(meta["salt"]).encode()


def partition_dir(lake: Path, date: str) -> Path:
    return lake / INVOCATIONS_DIR / f"{PARTITION_KEY}={date}"


def partition_files(lake: Path, date: str) -> list[Path]:
    d = partition_dir(lake, date)
    # part-* only: a temp file (``.tmp-part-...``) left by a killed write is not lake data.
    return sorted(d.glob("part-*.parquet")) if d.is_dir() else []
