"""Open the catalog that records the lake's tables (pyiceberg), and load the invocations table."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from bedrock_logbook.lake.location import (
    LOCAL_CATALOG_FILE,
    NAMESPACE,
    TableError,
    TableLocation,
)

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

# What opening the catalog and loading a table import on first use (pyiceberg's SQL catalog
# and Arrow IO, sqlalchemy, pydantic: 1.25-1.5 s of a cold start, measured in the rollup
# refresh process). A process that opens the catalog later imports them while it waits.
CATALOG_MODULES = ("pyiceberg.catalog.sql", "pyiceberg.io.pyarrow", "pyiceberg.table")


def preload_catalog_modules() -> None:
    for name in CATALOG_MODULES:
        importlib.import_module(name)


def open_catalog(location: TableLocation) -> Catalog:
    try:
        from pyiceberg.catalog import load_catalog
    except ImportError:
        raise TableError("the Iceberg table needs pyiceberg: "
                         "pip install 'bedrock-logbook[iceberg]'") from None
    if location.kind == "sql" and not location.is_s3:
        Path(location.lake).mkdir(parents=True, exist_ok=True)
    return load_catalog(NAMESPACE, **{"type": location.kind, **location.properties})



def load_table(location: TableLocation) -> Table | None:
    """The invocations table, or None when the lake has none yet (nothing ingested)."""
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    if location.kind == "sql" and not location.is_s3:
        if not (Path(location.lake) / LOCAL_CATALOG_FILE).exists():
            return None  # do not create a catalog file in a folder that is only read
    try:
        return open_catalog(location).load_table(location.identifier)
    except (NoSuchTableError, NoSuchNamespaceError):
        return None
