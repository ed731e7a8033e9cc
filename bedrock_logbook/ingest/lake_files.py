"""The lake's side files (quarantine, run records, source state, salt) on local disk or S3.

Every side file is written once under a unique name and never changed, so one PUT (S3) or one
temp-file rename (local disk) makes it appear whole or not at all. Everything goes through
``pyarrow.fs`` (Arrow's own S3 client, built from the lake's endpoint and Region), never boto3:
only ``ingest/sources`` talks to AWS through boto3.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from bedrock_logbook.ingest.lake import TMP_PREFIX, commit_file, temp_path_for, write_bytes_atomic
from bedrock_logbook.lake.location import TableLocation, local_path, resolve


@dataclass(frozen=True)
class LakeFiles:
    """Where a lake's files live: a filesystem and the lake's root in it."""

    location: TableLocation
    fs: pafs.FileSystem
    root: str  # local absolute path, or bucket/prefix (no scheme) on S3

    @classmethod
    def of(cls, lake: TableLocation | str | Path) -> LakeFiles:
        location = lake if isinstance(lake, TableLocation) else resolve(lake)
        if location.is_s3:
            props = location.properties
            fs: pafs.FileSystem = pafs.S3FileSystem(endpoint_override=props.get("s3.endpoint"),
                                                   region=props.get("s3.region"))
            return cls(location, fs, location.lake.removeprefix("s3://"))
        return cls(location, pafs.LocalFileSystem(), location.lake)

    @property
    def is_s3(self) -> bool:
        return self.location.is_s3

    @property
    def local_root(self) -> Path:
        """The lake folder (local lakes only)."""
        assert not self.is_s3
        return Path(self.root)

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def fs_path(self, uri: str) -> str:
        """A file URI as the table records it (``s3://``, ``file://``) as a path in ``fs``."""
        return uri.removeprefix("s3://") if self.is_s3 else local_path(uri)

    def uri(self, rel: str) -> str:
        """How the table records a file of this lake."""
        return f"s3://{self.path(rel)}" if self.is_s3 else "file://" + self.path(rel)

    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""
        try:
            with self.fs.open_input_stream(self.path(rel)) as f:
                data: bytes = f.read()
                return data
        except FileNotFoundError:
            return None

    def exists(self, rel: str) -> bool:
        info = self.fs.get_file_info(self.path(rel))
        return bool(info.type == pafs.FileType.File)

    def write_once(self, rel: str, data: bytes, *, private: bool = False) -> None:
        """Write a whole file (local: temp + fsync + rename, mode 0600 when ``private``;
        S3: one PUT, private by the bucket's default)."""
        if not self.is_s3:
            write_bytes_atomic(Path(self.path(rel)), data, mode=0o600 if private else None)
            return
        with self.fs.open_output_stream(self.path(rel)) as out:
            out.write(data)

    def put_file(self, local: Path, rel: str) -> None:
        """Put a finished local file (e.g. staged Parquet) at ``rel``."""
        if not self.is_s3:
            target = Path(self.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path_for(target)
            shutil.move(local, tmp)
            commit_file(tmp, target)
            return
        pafs.copy_files(str(local), self.path(rel), source_filesystem=pafs.LocalFileSystem(),
                        destination_filesystem=self.fs)

    def delete(self, rel: str) -> None:
        try:
            self.fs.delete_file(self.path(rel))
        except FileNotFoundError:
            pass

    def names(self, folder: str, prefix: str = "", suffix: str = "") -> list[str]:
        """Names of the files directly in ``folder`` (relative to the lake), sorted; temp files
        left by a killed local write are not listed."""
        selector = pafs.FileSelector(self.path(folder), allow_not_found=True)
        return sorted(
            info.base_name for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File and info.base_name.startswith(prefix)
            and info.base_name.endswith(suffix) and not info.base_name.startswith(TMP_PREFIX)
        )

    def parquet(self, uri: str) -> pq.ParquetFile:
        """A data file of the table, opened for reading (footer read, columns on demand)."""
        return pq.ParquetFile(self.fs.open_input_file(self.fs_path(uri)))

    def output_stream(self, rel: str) -> Any:
        return self.fs.open_output_stream(self.path(rel))


def walk_names(files: LakeFiles, folder: str) -> Iterator[str]:
    """Every file under ``folder`` (relative to the lake, recursive)."""
    selector = pafs.FileSelector(files.path(folder), allow_not_found=True, recursive=True)
    for info in files.fs.get_file_info(selector):
        if info.type == pafs.FileType.File:
            yield info.path.removeprefix(files.root + "/")
