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

Groundwork for issue 11: the hive-layout writer (pipeline, lake, compact) does not use this
module yet; docs/iceberg.md says what the switch still needs. pyiceberg is the optional extra
``bedrock-logbook[iceberg]``. AWS access goes through pyiceberg (boto3 for Glue, Arrow's S3
client for data), never through boto3 here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

import pyarrow as pa

from bedrock_logbook.ingest.schema import INVOCATIONS_DIR, INVOCATIONS_SCHEMA, LAKE_SCHEMA_VERSION

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

CATALOG_ENV = "BEDROCK_LOGBOOK_CATALOG"
NAMESPACE = "bedrock_logbook"
TABLE_NAME = INVOCATIONS_DIR
LOCAL_CATALOG_FILE = "_catalog.sqlite"  # inside a local lake
PARTITION_FIELD = "ts_day"
SCHEMA_VERSION_PROPERTY = "bedrock_logbook.schema_version"
CatalogKind = Literal["sql", "glue", "rest"]

_TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "zstd",
    SCHEMA_VERSION_PROPERTY: str(LAKE_SCHEMA_VERSION),
}


class TableError(RuntimeError):
    """The table cannot be used as asked; the message says what to set or do."""


@dataclass(frozen=True)
class TableLocation:
    """A resolved ``--lake`` + ``--catalog``: which catalog, and where the table's files go."""

    lake: str  # absolute local path, or s3://bucket/prefix without a trailing slash
    kind: CatalogKind
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_s3(self) -> bool:
        return self.lake.startswith("s3://")

    @property
    def table_location(self) -> str:
        root = self.lake if self.is_s3 else file_uri(Path(self.lake))
        return f"{root}/{TABLE_NAME}"

    @property
    def identifier(self) -> tuple[str, str]:
        return (NAMESPACE, TABLE_NAME)


def resolve(lake: str | Path, catalog: str | None = None,
            env: Mapping[str, str] | None = None) -> TableLocation:
    """Turn the lake and catalog settings (``Settings.lake``/``Settings.catalog``) into a
    :class:`TableLocation`.

    ``catalog`` None means the default for the lake. AWS endpoint and Region come from the
    standard variables (``AWS_ENDPOINT_URL[_S3]``, ``AWS_REGION``/``AWS_DEFAULT_REGION``)
    because Arrow's S3 client, which pyiceberg uses for data files, does not read them itself;
    credentials come from the standard chain.
    """
    env = os.environ if env is None else env
    text = str(lake)
    catalog = catalog or None
    if text.startswith("s3://"):
        root = _s3_root(text)
    elif "://" in text or text.startswith("s3:"):
        raise TableError(f"lake {text!r}: use a local folder or s3://BUCKET/PREFIX "
                         "(--lake or BEDROCK_LOGBOOK_LAKE)")
    else:
        root = str(Path(text).expanduser().resolve())
    is_s3 = root.startswith("s3://")
    props = {"warehouse": root if is_s3 else file_uri(Path(root)), **_s3_properties(env)}
    if catalog is None:
        if is_s3:
            return TableLocation(root, "glue", {**props, **_glue_properties(env)})
        uri = f"sqlite:///{Path(root) / LOCAL_CATALOG_FILE}"
        return TableLocation(root, "sql", {**props, "uri": uri})
    if catalog == "glue":
        if not is_s3:
            raise TableError(f"--catalog glue needs an s3://BUCKET/PREFIX lake (Athena cannot "
                             f"read {root}); set --lake s3://... or drop --catalog "
                             f"(and {CATALOG_ENV})")
        return TableLocation(root, "glue", {**props, **_glue_properties(env)})
    kind, sep, rest = catalog.partition(":")
    if sep and kind == "rest" and rest.startswith(("http://", "https://")):
        return TableLocation(root, "rest", {**props, "uri": rest})
    if sep and kind == "sql" and rest:
        return TableLocation(root, "sql", {**props, "uri": rest})
    raise TableError(f"catalog {catalog!r}: use glue, rest:https://HOST/PATH or "
                     f"sql:SQLALCHEMY_URL (--catalog or {CATALOG_ENV})")


def _s3_root(text: str) -> str:
    parsed = urlparse(text)
    if not parsed.netloc:
        raise TableError(f"lake {text!r}: name a bucket, s3://BUCKET/PREFIX "
                         "(--lake or BEDROCK_LOGBOOK_LAKE)")
    prefix = parsed.path.strip("/")
    return f"s3://{parsed.netloc}/{prefix}" if prefix else f"s3://{parsed.netloc}"


def _region(env: Mapping[str, str]) -> str | None:
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def _s3_properties(env: Mapping[str, str]) -> dict[str, str]:
    props: dict[str, str] = {}
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        props["s3.endpoint"] = endpoint
    region = _region(env)
    if region:
        props["s3.region"] = region
    return props


def _glue_properties(env: Mapping[str, str]) -> dict[str, str]:
    # boto3 (inside pyiceberg) reads AWS_ENDPOINT_URL(_GLUE), the profile and credentials itself.
    region = _region(env)
    return {"glue.region": region} if region else {}


def open_catalog(location: TableLocation) -> Catalog:
    try:
        from pyiceberg.catalog import load_catalog
    except ImportError:
        raise TableError("the Iceberg table needs pyiceberg: "
                         "pip install 'bedrock-logbook[iceberg]'") from None
    if location.kind == "sql" and not location.is_s3:
        Path(location.lake).mkdir(parents=True, exist_ok=True)
    return load_catalog(NAMESPACE, **{"type": location.kind, **location.properties})


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


def file_uri(path: Path) -> str:
    """``file://`` + the absolute path, not percent-encoded: pyiceberg's local file IO takes the
    rest of the URI literally, so ``Path.as_uri()`` (``date%3D…``) names a file that is not there.
    """
    return "file://" + str(path.expanduser().resolve())


def local_path(uri: str) -> str:
    """A ``file://`` URI (as :func:`file_uri` writes it) as a local path; other URIs unchanged."""
    return uri.removeprefix("file://")


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
