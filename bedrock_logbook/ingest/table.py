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

Ingest writes its Parquet files itself (``write_data_file``: deterministic bytes, large row
groups, a run-unique name) and registers them in one snapshot (``commit_files``) carrying the
snapshot properties readers rely on (``SNAPSHOT_*``). AWS access goes through pyiceberg (boto3
for Glue, Arrow's S3 client for data), never through boto3 here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

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

# Snapshot properties every snapshot we commit carries (docs/iceberg.md, "Writer rules").
SNAPSHOT_OPERATION = "bedrock_logbook.operation"  # ingest | compact | migrate
SNAPSHOT_RUN_ID = "bedrock_logbook.run_id"
# The snapshot whose request IDs the writer checked its rows against ("none": empty table).
# A commit retried on top of another writer's keeps it, so parent != deduped_against says
# the two may share request IDs.
SNAPSHOT_DEDUPED_AGAINST = "bedrock_logbook.deduped_against"
NO_SNAPSHOT = "none"

# Row groups of the files ingest writes: 2x the old 32,768 (~4 MB compressed at the ~60
# bytes a row measured on `sample` data), files of up to 2,097,152 rows (~128 MB), which
# Athena/Spark/Trino read well. The writer holds one group of Arrow rows at a time, ~850
# bytes a row with the file schema's large strings (measured: 131,072-row groups took a
# writer process from ~160 MB to 373 MB RSS, over issue 13's 300 MB), so ~55 MB here.
DATA_ROW_GROUP_ROWS = 65_536
DATA_FILE_ROWS = 32 * DATA_ROW_GROUP_ROWS  # ~128 MB at ~60 B a row compressed; then a new file

_TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "zstd",
    SCHEMA_VERSION_PROPERTY: str(LAKE_SCHEMA_VERSION),
}


def check_uri_safe(location: TableLocation) -> None:
    """The table records its files as URIs, and pyiceberg reads a ``?`` or ``#`` in them as the
    start of a query or fragment (measured: creating the table in ``lake?`` fails with
    FileExistsError), so a lake whose path holds one is refused up front."""
    bad = sorted({c for c in "?#" if c in location.lake})
    if bad:
        raise TableError(f"lake {location.lake!r}: {' and '.join(repr(c) for c in bad)} cannot "
                         "be part of a lake's path (the Iceberg table records file URIs); "
                         "choose another folder (--lake or BEDROCK_LOGBOOK_LAKE)")


def ensure_table(catalog: Catalog, location: TableLocation,
                 properties: Mapping[str, str] | None = None) -> Table:
    """The invocations table, created on first use (two first users racing both get it).

    ``properties`` are recorded only by the creation that wins; callers read them back from
    the returned table.
    """
    from pyiceberg.exceptions import (
        CommitFailedException,
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
    except Exception:  # noqa: BLE001 - e.g. a SQL catalog's unique key when two hosts race;
        pass  # a namespace that really is missing makes the creation below fail and say why
    try:
        txn = catalog.create_table_transaction(
            location.identifier, schema=INVOCATIONS_SCHEMA,
            location=location.table_location,
            properties={**_TABLE_PROPERTIES, **(properties or {})})
        with txn.update_spec() as spec:
            spec.add_field("ts", DayTransform(), PARTITION_FIELD)
        txn.commit_transaction()
    except TableAlreadyExistsError:
        pass
    except CommitFailedException:
        # The SQL catalog reports a creation that lost the race this way ("Table already
        # exists", seen with two first ingests at once): the winner's table is the table.
        try:
            return catalog.load_table(location.identifier)
        except NoSuchTableError:
            raise TableError("could not create the invocations table (the catalog refused "
                             "the commit); rerun") from None
    return catalog.load_table(location.identifier)


def open_table(location: TableLocation, properties: Mapping[str, str] | None = None) -> Table:
    return ensure_table(open_catalog(location), location, properties)


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


def snapshot_properties(operation: str, run_id: str, deduped_against: int | None
                        ) -> dict[str, str]:
    return {SNAPSHOT_OPERATION: operation, SNAPSHOT_RUN_ID: run_id,
            SNAPSHOT_DEDUPED_AGAINST: NO_SNAPSHOT if deduped_against is None
            else str(deduped_against)}


def current_snapshot_id(table: Table) -> int | None:
    snapshot = table.current_snapshot()
    return None if snapshot is None else snapshot.snapshot_id


def file_schema(table: Table) -> pa.Schema:
    """The Arrow schema data files are written with: the lake schema plus Iceberg field IDs
    (``PARQUET:field_id``), so engines map columns by ID, not by name."""
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    return schema_to_pyarrow(table.schema(), include_field_ids=True)


def write_data_file(sink: object, tables: Iterable[pa.Table], schema: pa.Schema) -> int:
    """Write ``tables`` (lake-schema rows) to ``sink`` as one Parquet file with
    ``DATA_ROW_GROUP_ROWS``-row groups; returns the rows written. The bytes depend only on
    the rows and their order."""
    rows = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for table in tables:
            if table.num_rows:
                writer.write_table(table.cast(schema), row_group_size=DATA_ROW_GROUP_ROWS)
                rows += table.num_rows
            del table  # not held while the next group is built: one group in memory at a time
    return rows


def commit_files(table: Table, uris: list[str], properties: Mapping[str, str]) -> int:
    """Register written data files in ONE snapshot carrying ``properties``; its id.

    pyiceberg retries a commit that lost a race by re-applying the append on the new head
    (the properties stay, so ``deduped_against`` still names what the writer checked).
    """
    with table.transaction() as txn:
        txn.add_files(uris, snapshot_properties=dict(properties), check_duplicate_files=False)
    snapshot_id = current_snapshot_id(table)
    assert snapshot_id is not None
    return snapshot_id
