"""Keep the invocations table small: expire old snapshots, delete files nothing references.

Retention (``docs/operations.md``):

- A snapshot is kept for :data:`SNAPSHOT_RETENTION` (7 days) **after it stopped being the
  current one** (the commit time of the snapshot that followed it), so a reader that planned
  its files a moment before a compaction keeps reading them for a week. The current snapshot,
  every snapshot between it and the newest clean reset (see :func:`dedupe_chain`) and that
  reset's parent are never expired: readers walk that chain to decide whether they must
  dedupe, and a reset is recognised by its parent being its ``deduped_against``.
- A file under the table's location that no live snapshot references (a killed writer's
  uncommitted file, a file a compaction replaced once the snapshots that used it expired, a
  migrated hive file replaced the same way, an old metadata file) is deleted once it is older
  than the grace. On a local lake the caller holds ``LakeLock``, so no writer is in flight and
  the grace is 0; on S3 another host may be between writing a file and committing it, so the
  grace is :data:`S3_ORPHAN_GRACE` (24 h, far longer than any run).

pyiceberg 0.12's ``expire_snapshots`` only removes snapshots from the table metadata; it
deletes no file. :func:`remove_orphans` is what frees the space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from pyarrow.fs import FileSystem
    from pyiceberg.table import Table
    from pyiceberg.table.snapshots import Snapshot

SNAPSHOT_RETENTION = timedelta(days=7)
S3_ORPHAN_GRACE = timedelta(hours=24)
LOCAL_ORPHAN_GRACE = timedelta(0)  # the caller holds LakeLock: no writer is in flight

OPERATION = "bedrock_logbook.operation"
RUN_ID = "bedrock_logbook.run_id"
DEDUPED_AGAINST = "bedrock_logbook.deduped_against"
NO_SNAPSHOT = "none"


_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """``0``, ``90s``, ``30m``, ``24h``, ``7d``, ``2w`` (a bare number is seconds)."""
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(f"cannot read {text!r} as a duration; use e.g. 0, 30m, 24h, 7d, 2w")
    return timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()])


class OrphanCheckError(RuntimeError):
    """The listing does not hold a file the current snapshot references: deleting anything
    on that basis could delete live data, so nothing was deleted."""


# ---------------------------------------------------------------- the dedupe chain (contract)

def dedupe_chain(table: Table) -> tuple[bool, list[int]]:
    """Walk from the current snapshot to its ancestors as readers do (contract for issue 11).

    Returns (clean, chain): clean when the walk reached a clean-reset compact snapshot (its
    parent is its ``deduped_against``) or the root with every snapshot on the way deduped
    against its parent; chain is the snapshot ids walked, newest first, up to and including
    the one where the walk stopped. An empty table is clean.
    """
    metadata = table.metadata
    snapshot = metadata.current_snapshot()
    chain: list[int] = []
    while snapshot is not None:
        chain.append(snapshot.snapshot_id)
        props = snapshot.summary.additional_properties if snapshot.summary else {}
        against = props.get(DEDUPED_AGAINST)
        parent = snapshot.parent_snapshot_id
        parent_text = NO_SNAPSHOT if parent is None else str(parent)
        if against is None or props.get(OPERATION) is None or against != parent_text:
            return False, chain
        if props.get(OPERATION) == "compact" or parent is None:
            return True, chain
        snapshot = metadata.snapshot_by_id(parent)
        if snapshot is None:  # expired before a clean reset was reached
            return False, chain
    return True, chain


# ---------------------------------------------------------------- snapshot expiry

def snapshots_to_expire(snapshots: Iterable[Snapshot], current_id: int | None,
                        protected: set[int], cutoff_ms: int) -> list[int]:
    """Snapshots that stopped being current before ``cutoff_ms`` and are not protected.

    A snapshot stopped being current when its child on the current branch was committed; a
    snapshot off that branch (none in this project's tables) counts from its own commit.
    """
    by_id = {s.snapshot_id: s for s in snapshots}
    superseded_at: dict[int, int] = {}
    cursor = by_id.get(current_id) if current_id is not None else None
    while cursor is not None and cursor.parent_snapshot_id in by_id:
        superseded_at[cursor.parent_snapshot_id] = cursor.timestamp_ms
        cursor = by_id[cursor.parent_snapshot_id]
    return sorted(sid for sid, s in by_id.items()
                  if sid != current_id and sid not in protected
                  and superseded_at.get(sid, s.timestamp_ms) < cutoff_ms)


def _cutoff_ms(retention: timedelta, now: datetime | None) -> int:
    return int(((now or datetime.now(UTC)) - retention).timestamp() * 1000)


def reset_due(table: Table, *, retention: timedelta = SNAPSHOT_RETENTION,
              now: datetime | None = None) -> bool:
    """True when the table is clean and the parent of its newest clean reset was superseded
    more than ``retention`` ago: that parent (and the files only it references) can go once
    a new clean reset is committed on top of the current snapshot."""
    clean, chain = dedupe_chain(table)
    stop = table.metadata.snapshot_by_id(chain[-1]) if chain else None
    if not clean or stop is None or stop.parent_snapshot_id is None:
        return False
    return stop.timestamp_ms < _cutoff_ms(retention, now)


def expire_snapshots(table: Table, *, retention: timedelta = SNAPSHOT_RETENTION,
                     now: datetime | None = None) -> int:
    """Remove snapshots superseded more than ``retention`` ago from the table metadata (one
    metadata commit, no new snapshot, no file deleted). Returns how many were expired.

    A commit landing meanwhile (an ingest on another host) makes the catalog refuse this one;
    it is then recomputed on the new metadata, a few times."""
    from pyiceberg.exceptions import CommitFailedException

    for attempt in range(5):
        table.refresh()
        metadata = table.metadata
        _, chain = dedupe_chain(table)
        protected = set(chain) | {ref.snapshot_id for ref in metadata.refs.values()}
        if chain:
            # The parent of the snapshot where the walk stops stays too: pyiceberg's expiry
            # sets a child's parent id to None, which would make a clean reset look like a
            # compaction that lost a race (parent != deduped_against) and send readers to the
            # slow path.
            stop = metadata.snapshot_by_id(chain[-1])
            if stop is not None and stop.parent_snapshot_id is not None:
                protected.add(stop.parent_snapshot_id)
        doomed = snapshots_to_expire(metadata.snapshots, metadata.current_snapshot_id,
                                     protected, _cutoff_ms(retention, now))
        if not doomed:
            return 0
        try:
            table.maintenance.expire_snapshots().by_ids(doomed).commit()
            return len(doomed)
        except CommitFailedException:
            if attempt == 4:
                raise
    return 0


# ---------------------------------------------------------------- orphan files

@dataclass(frozen=True)
class OrphanSummary:
    listed: int  # files under the table location
    referenced: int  # files the table's live snapshots and metadata reference
    removed: int
    bytes_removed: int
    too_young: int  # unreferenced, but younger than the grace: kept for now


def path_key(uri: str) -> str:
    """A file URI as the filesystem path ``pyarrow.fs`` lists: ``file:///a/b`` -> ``/a/b``,
    ``s3://bucket/k`` -> ``bucket/k``; a plain path unchanged."""
    parsed = urlparse(uri)
    if parsed.scheme in ("s3", "s3a", "s3n"):
        return f"{parsed.netloc}/{parsed.path.lstrip('/')}"
    if parsed.scheme == "file":
        return parsed.path
    return uri


def table_filesystem(table: Table) -> tuple[FileSystem, str]:
    """Arrow's filesystem for the table's location (as pyiceberg's own file IO uses), and the
    location as a path on it."""
    from pyarrow.fs import LocalFileSystem, S3FileSystem

    location = table.metadata.location
    props = table.io.properties
    if urlparse(location).scheme in ("s3", "s3a", "s3n"):
        fs: FileSystem = S3FileSystem(endpoint_override=props.get("s3.endpoint"),
                                      region=props.get("s3.region"))
    else:
        fs = LocalFileSystem()
    return fs, path_key(location).rstrip("/")


def referenced_files(table: Table) -> set[str]:
    """Every file the table still needs, as :func:`path_key`: the current metadata file and
    the ones its log keeps, statistics files, and for each live snapshot its manifest list,
    manifests and live data and delete files."""
    metadata = table.metadata
    io = table.io
    found: set[str] = set()
    if table.metadata_location:
        found.add(table.metadata_location)
    found.update(entry.metadata_file for entry in metadata.metadata_log)
    found.update(s.statistics_path for s in metadata.statistics)
    found.update(s.statistics_path for s in metadata.partition_statistics)
    seen_manifests: set[str] = set()
    for snapshot in metadata.snapshots:
        found.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            if manifest.manifest_path in seen_manifests:
                continue
            seen_manifests.add(manifest.manifest_path)
            found.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=True):
                found.add(entry.data_file.file_path)
    return {path_key(uri) for uri in found}


def remove_orphans(table: Table, *, older_than: timedelta,
                   now: datetime | None = None) -> OrphanSummary:
    """Delete every file under the table's location that no live snapshot (nor the table
    metadata) references and whose last modification is more than ``older_than`` ago.

    ``older_than`` is the orphan grace: 0 is safe only while no other writer can be between
    writing a file and committing it (a local lake under ``LakeLock``); on S3 use
    :data:`S3_ORPHAN_GRACE`. Refuses (:class:`OrphanCheckError`, nothing deleted) when the
    listing misses a file the current snapshot references.
    """
    from pyarrow.fs import FileSelector, FileType

    table.refresh()
    # List first, then read what is referenced: a file a writer commits in between is then
    # referenced (kept) or, if listed but committed after the metadata was read, young (kept
    # by the grace). Files created after the listing are not considered at all.
    fs, root = table_filesystem(table)
    listing = [info for info in fs.get_file_info(FileSelector(root, recursive=True,
                                                              allow_not_found=True))
               if info.type == FileType.File]
    table.refresh()
    referenced = referenced_files(table)
    listed = {info.path for info in listing}
    current = table.current_snapshot()
    if current is not None:
        missing = sorted(path_key(task.file.file_path) for task in table.scan().plan_files()
                         if path_key(task.file.file_path) not in listed)
        absent = [m for m in missing if fs.get_file_info(m).type != FileType.File]
        if absent:
            raise OrphanCheckError(
                f"{len(absent)} files the current snapshot reads are not under {root} "
                f"(first: {absent[0]}); nothing deleted")
    cutoff = (now or datetime.now(UTC)) - older_than
    removed = bytes_removed = too_young = 0
    for info in sorted(listing, key=lambda i: i.path):
        if info.path in referenced:
            continue
        mtime = info.mtime
        if mtime is not None and mtime.tzinfo is None:
            mtime = mtime.replace(tzinfo=UTC)
        if older_than > timedelta(0) and (mtime is None or mtime > cutoff):
            too_young += 1
            continue
        fs.delete_file(info.path)
        removed += 1
        bytes_removed += info.size or 0
    return OrphanSummary(len(listing), len(referenced), removed, bytes_removed, too_young)
