"""The invocations lake as an Apache Iceberg table (through pyiceberg).

Where the table lives is two settings: the lake (a local folder, or ``s3://BUCKET/PREFIX``) and
the catalog that records the table's current snapshot (``--catalog`` /
``BEDROCK_LOGBOOK_CATALOG``):

- local folder, no catalog: a SQLite SQL catalog inside the folder (no server);
- ``s3://`` lake, no catalog: AWS Glue (Athena reads the same table);
- ``glue``, ``rest:URI`` (an Iceberg REST catalog such as S3 Tables'), ``sql:SQLALCHEMY_URL``.

The table is created from ``schema.INVOCATIONS_SCHEMA`` (the schema stays declared once),
partitioned by ``day(ts)``. Each append is one snapshot; a catalog's compare-and-swap on the
metadata pointer lets concurrent writers both land (pyiceberg retries a lost race). Readers
plan the current snapshot's data files here and read them with any Parquet reader.

pyiceberg is the optional extra
``bedrock-logbook[iceberg]``. AWS access goes through pyiceberg (boto3 for Glue, Arrow's S3
client for data), never through boto3 here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyarrow as pa

from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA, LAKE_SCHEMA_VERSION
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import (
    NAMESPACE,
    PARTITION_FIELD,
    SCHEMA_VERSION_PROPERTY,
    TableError,
    TableLocation,
)

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

_TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "zstd",
    SCHEMA_VERSION_PROPERTY: str(LAKE_SCHEMA_VERSION),
}


def ensure_table(catalog: Catalog, location: TableLocation) -> Table:
    """The invocations table, created on first use (two first users racing both get it)."""
    from pyiceberg.exceptions import (
        NamespaceAlreadyExistsError,
        NoSuchTableError,
        TableAlreadyExistsError,
    )
    from pyiceberg.transforms import DayTransform

    try:
        return catalog.load_table(location.identifier)
    except NoSuchTableError:
        pass
    try:
        catalog.create_namespace(NAMESPACE)
    except NamespaceAlreadyExistsError:
        pass
    try:
        txn = catalog.create_table_transaction(
            location.identifier, schema=INVOCATIONS_SCHEMA,
            location=location.table_location, properties=_TABLE_PROPERTIES)
        with txn.update_spec() as spec:
            spec.add_field("ts", DayTransform(), PARTITION_FIELD)
        txn.commit_transaction()
    except TableAlreadyExistsError:
        pass
    return catalog.load_table(location.identifier)


def open_table(location: TableLocation) -> Table:
    return ensure_table(open_catalog(location), location)


def append(table: Table, rows: pa.Table,
           snapshot_properties: Mapping[str, str] | None = None) -> int | None:
    """Append ``rows`` as one snapshot; its id, or None when there was nothing to append.

    ``rows`` must have the lake schema's columns and types (schema metadata aside).
    """
    if rows.num_rows == 0:
        return None
    if not rows.schema.equals(INVOCATIONS_SCHEMA, check_metadata=False):
        raise TableError("rows do not match ingest/schema.py's invocations schema")
    table.append(rows, snapshot_properties=dict(snapshot_properties or {}))
    snapshot = table.current_snapshot()
    return None if snapshot is None else snapshot.snapshot_id
