"""Deterministic Parquet files: fixed-size row groups and names from a digest of the rows.

Ingest and compaction both write through here, so a file's name and bytes depend only on the
rows it holds, never on how or when they arrived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_logbook.ingest.lake import commit_file, temp_path_for

ROW_GROUP_ROWS = 32_768  # bounds the writer's memory; still large enough to scan fast


def rechunked(batches: Iterable[pa.RecordBatch], rows: int,
              schema: pa.Schema) -> Iterator[pa.Table]:
    """Fixed-size row groups, so the bytes depend on the rows and not on how they arrived."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, schema=schema)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            del table  # the group just written is not held while the next one fills
            pending = rest.to_batches()
            count = rest.num_rows
    if count:
        yield pa.Table.from_batches(pending, schema=schema)


@dataclass(frozen=True)
class PendingFile:
    """A fully written temp file and the name it will have once committed."""

    tmp: Path
    target: Path

    def commit(self) -> Path:
        commit_file(self.tmp, self.target)
        return self.target


def write_pending(target_dir: Path, tables: Iterable[pa.Table], schema: pa.Schema,
                  id_columns: list[str], stem: str = "part") -> PendingFile | None:
    """Write ``tables`` to a temp file in ``target_dir``; None when there were no rows."""
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.blake2b(digest_size=10)
    tmp = temp_path_for(target_dir / f"{stem}-pending.parquet")
    writer: pq.ParquetWriter | None = None
    try:
        for table in tables:
            if table.num_rows == 0:
                continue
            if writer is None:
                writer = pq.ParquetWriter(str(tmp), schema, compression="zstd")
            for name in id_columns:
                for value in table.column(name).to_pylist():
                    digest.update(b"\x00" + str(value).encode())
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        return None
    return PendingFile(tmp, target_dir / f"{stem}-{digest.hexdigest()}.parquet")


def write_parquet(target_dir: Path, tables: Iterable[pa.Table], schema: pa.Schema,
                  id_columns: list[str], keep_existing: bool = False) -> Path | None:
    """Write, name by digest, fsync and rename into place: the file appears whole or not at all.

    ``keep_existing``: a file already under the digest's name holds the same entries (a rerun
    of the same input), so it is left as it is rather than written again.
    """
    pending = write_pending(target_dir, tables, schema, id_columns)
    if pending is None:
        return None
    if keep_existing and pending.target.exists():
        pending.tmp.unlink()
        return pending.target
    return pending.commit()
