"""Rollup tables for test and bench lakes, written the way docs/rollups.md lays them out.

Ingest maintains ``rollup_hourly``/``rollup_daily`` (the writer is another module's job);
these helpers write them for lakes that tests and the synthetic generator build by hand:
tables in the lake's catalog beside ``invocations``, schema ``ROLLUP_SCHEMA``, partition
identity(``day``), every snapshot carrying ``rollup_of`` = the raw snapshot it reflects.
:func:`ensure_rollups` leaves tables that already exist alone (a writer made them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from bedrock_logbook.ingest.rollup import build_rollup, conform, daily_rollup
from bedrock_logbook.ingest.rollup_schema import ROLLUP_SCHEMA
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import (
    NAMESPACE,
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    TableLocation,
    resolve,
)
from bedrock_logbook.lake.reading import (
    OPERATION_PROPERTY,
    ROLLUP,
    ROLLUP_OF_PROPERTY,
    RUN_ID_PROPERTY,
)

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

ROLLUP_TABLES = (ROLLUP_HOURLY_TABLE, ROLLUP_DAILY_TABLE)


def rollup_tables_exist(location: TableLocation) -> bool:
    catalog = open_catalog(location)
    return all(catalog.table_exists((NAMESPACE, name)) for name in ROLLUP_TABLES)


def create_rollup_table(catalog: Catalog, location: TableLocation, name: str) -> Table:
    """An empty rollup table (partition identity(day)), or the existing one."""
    from pyiceberg.transforms import IdentityTransform

    identifier = (NAMESPACE, name)
    if catalog.table_exists(identifier):
        return catalog.load_table(identifier)
    root = location.table_location.rsplit("/", 1)[0]
    txn = catalog.create_table_transaction(
        identifier, schema=ROLLUP_SCHEMA, location=f"{root}/{name}",
        properties={"bedrock_logbook.rollup_schema_version": "1",
                    "write.parquet.compression-codec": "zstd"})
    with txn.update_spec() as spec:
        spec.add_field("day", IdentityTransform(), "day")
    txn.commit_transaction()
    return catalog.load_table(identifier)


def write_rollups(lake: Path | str, hourly: Iterable[pa.Table], daily: Iterable[pa.Table],
                  rollup_of: int, run_id: str = "test-rollup") -> None:
    """Replace the rollup tables' rows with these batches (the first replaces, each further
    one appends; every snapshot records ``rollup_of``)."""
    location = resolve(lake)
    catalog = open_catalog(location)
    props = {ROLLUP_OF_PROPERTY: str(rollup_of), OPERATION_PROPERTY: ROLLUP,
             RUN_ID_PROPERTY: run_id}
    for name, batches in ((ROLLUP_HOURLY_TABLE, hourly), (ROLLUP_DAILY_TABLE, daily)):
        table = create_rollup_table(catalog, location, name)
        first = True
        for batch in batches:
            if first:
                table.overwrite(conform(batch), snapshot_properties=props)
                first = False
            elif batch.num_rows:
                table.append(conform(batch), snapshot_properties=props)
        if first:  # no batch: still record which raw snapshot the (empty) rollup reflects
            table.overwrite(ROLLUP_SCHEMA.empty_table(), snapshot_properties=props)


def ensure_rollups(lake: Path | str) -> bool:
    """Build both rollup tables from the raw table's current snapshot unless they exist.

    The raw rows are read with pyiceberg (not through the views under test) and rolled up
    with ``ingest.rollup``. Returns whether it wrote them (False: they already existed, e.g.
    once ingest maintains them).
    """
    location = resolve(lake)
    if rollup_tables_exist(location):
        return False
    raw_table = open_catalog(location).load_table(location.identifier)
    snapshot = raw_table.current_snapshot()
    assert snapshot is not None, "ensure_rollups needs a lake with an ingested snapshot"
    raw = raw_table.scan().to_arrow()
    hourly = build_rollup(raw)
    write_rollups(lake, [hourly], [daily_rollup(hourly)], snapshot.snapshot_id)
    return True
