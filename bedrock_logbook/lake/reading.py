"""What readers see: the current snapshot's data files, and a filesystem DuckDB reads them
with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bedrock_logbook.lake.location import TableError, TableLocation

if TYPE_CHECKING:
    from pyiceberg.table import Table


def data_files(table: Table) -> list[str]:
    """The current snapshot's data files (URIs as the table records them), sorted.

    Readers get exactly the committed snapshot: files being written or left by a killed
    writer are not listed. Refuses tables with delete files, whose rows a plain Parquet
    reader would over-count.
    """
    files: list[str] = []
    for task in table.scan().plan_files():
        if task.delete_files:
            raise TableError(f"{table.name()} has delete files; reading its data files alone "
                             "would count deleted rows (rewrite it first)")
        files.append(task.file.file_path)
    return sorted(files)


def duckdb_filesystem(location: TableLocation) -> Any:
    """An fsspec filesystem over Arrow's S3 client, for ``duckdb.register_filesystem``.

    DuckDB then reads ``s3://`` files without its httpfs extension (which it would download at
    run time) and without s3fs/aiobotocore (which pin botocore).
    """
    from fsspec.implementations.arrow import ArrowFSWrapper
    from pyarrow.fs import S3FileSystem

    class _S3(ArrowFSWrapper):  # type: ignore[misc]
        protocol = "s3"

    props = location.properties
    return _S3(S3FileSystem(endpoint_override=props.get("s3.endpoint"),
                            region=props.get("s3.region")))
