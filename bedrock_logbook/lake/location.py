"""Where the lake lives: ``--lake`` (a local folder or ``s3://BUCKET/PREFIX``) plus ``--catalog``.

- local folder, no catalog: a SQLite SQL catalog inside the folder (no server);
- ``s3://`` lake, no catalog: AWS Glue (Athena reads the same table);
- ``glue``, ``rest:URI`` (an Iceberg REST catalog such as S3 Tables'), ``sql:SQLALCHEMY_URL``.

Shared by ``ingest`` (writers) and ``queries`` (readers); imports no other project package.
AWS access goes through pyiceberg (boto3 for Glue, Arrow's S3 client for data), never through
boto3 here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

CATALOG_ENV = "BEDROCK_LOGBOOK_CATALOG"
NAMESPACE = "bedrock_logbook"
TABLE_NAME = "invocations"  # the table, and its folder under the lake
# Derived tables beside it (docs/rollups.md): same catalog and namespace, folders of the same name.
ROLLUP_HOURLY_TABLE = "rollup_hourly"
ROLLUP_DAILY_TABLE = "rollup_daily"
# The daily rollup without hour/account/caller/operation (the "model cube" most pages read).
ROLLUP_MODELS_TABLE = "rollup_daily_models"
# Same-day prompt pairs (ingest/prompt_pairs.py), a per-day table maintained with the rollups.
PROMPT_PAIRS_TABLE = "prompt_pairs_daily"
# Per-day requestMetadata tag rollup (ingest/tag_rollup.py): cost by tag, untagged spend.
TAG_ROLLUP_TABLE = "rollup_tags_daily"
# Per-day latency and first-byte sketches per model x served x requested mode
# (ingest/rollup.sketches_rollup): the latency panels' narrow table.
ROLLUP_SKETCHES_TABLE = "rollup_daily_sketches"
# Every per-day derived table readers plan (lake.reading.plan_rollups); absent ones read empty.
DERIVED_TABLES = (ROLLUP_HOURLY_TABLE, ROLLUP_DAILY_TABLE, ROLLUP_MODELS_TABLE,
                  PROMPT_PAIRS_TABLE, TAG_ROLLUP_TABLE, ROLLUP_SKETCHES_TABLE)
LOCAL_CATALOG_FILE = "_catalog.sqlite"  # inside a local lake
PARTITION_FIELD = "ts_day"
SCHEMA_VERSION_PROPERTY = "bedrock_logbook.schema_version"
CatalogKind = Literal["sql", "glue", "rest"]

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


def file_uri(path: Path) -> str:
    """``file://`` + the absolute path, not percent-encoded: pyiceberg's local file IO takes the
    rest of the URI literally, so ``Path.as_uri()`` (``date%3D…``) names a file that is not there.
    """
    return "file://" + str(path.expanduser().resolve())


def local_path(uri: str) -> str:
    """A ``file://`` URI (as :func:`file_uri` writes it) as a local path; other URIs unchanged."""
    return uri.removeprefix("file://")


