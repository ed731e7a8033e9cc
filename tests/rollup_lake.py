"""Rollup tables for test and bench lakes, written the way docs/rollups.md lays them out.

Ingest maintains ``rollup_hourly``/``rollup_daily``/``rollup_daily_models``/
``rollup_daily_sketches`` (the writer is ingest/rollup_tables.py); these helpers write them
for lakes that tests and the synthetic generator build by hand: tables in the lake's catalog
beside ``invocations``, schema ``ROLLUP_SCHEMA`` (the cube: ``ROLLUP_MODELS_SCHEMA``, its rows
``models_rollup`` of the daily rows given; the sketch table: ``ROLLUP_SKETCHES_SCHEMA``, its
rows ``sketches_rollup`` of them), partition month(``day``) as ingest writes it, every
snapshot carrying ``rollup_of`` = the raw snapshot it reflects.
:func:`ensure_rollups` leaves tables that already exist alone (a writer made them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from bedrock_logbook.ingest.rollup import (
    build_rollup,
    conform,
    daily_rollup,
    models_rollup,
    sketches_rollup,
)
from bedrock_logbook.ingest.rollup_schema import (
    ROLLUP_MODELS_SCHEMA,
    ROLLUP_SCHEMA,
    ROLLUP_SKETCHES_SCHEMA,
)
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import (
    NAMESPACE,
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    ROLLUP_MODELS_TABLE,
    ROLLUP_SKETCHES_TABLE,
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

ROLLUP_TABLES = (ROLLUP_HOURLY_TABLE, ROLLUP_DAILY_TABLE, ROLLUP_MODELS_TABLE,
                 ROLLUP_SKETCHES_TABLE)


def rollup_tables_exist(location: TableLocation) -> bool:
    catalog = open_catalog(location)
    return all(catalog.table_exists((NAMESPACE, name)) for name in ROLLUP_TABLES)


def create_rollup_table(catalog: Catalog, location: TableLocation, name: str,
                        schema: pa.Schema = ROLLUP_SCHEMA) -> Table:
    """An empty rollup table (partitioned as ingest does: month(day)), or the existing one."""
    from bedrock_logbook.ingest.rollup_tables import partition_by_month

    identifier = (NAMESPACE, name)
    if catalog.table_exists(identifier):
        return catalog.load_table(identifier)
    root = location.table_location.rsplit("/", 1)[0]
    txn = catalog.create_table_transaction(
        identifier, schema=schema, location=f"{root}/{name}",
        properties={"bedrock_logbook.rollup_schema_version": "1",
                    "write.parquet.compression-codec": "zstd"})
    with txn.update_spec() as spec:
        partition_by_month(spec)
    txn.commit_transaction()
    return catalog.load_table(identifier)


def write_rollups(lake: Path | str, hourly: Iterable[pa.Table], daily: Iterable[pa.Table],
                  rollup_of: int, run_id: str = "test-rollup") -> None:
    """Replace the rollup tables' rows with these batches (the first replaces, each further
    one appends; every snapshot records ``rollup_of``). The model cube gets
    ``models_rollup`` of each daily batch (batches of distinct days, as the daily ones),
    written as each daily batch is: one batch in memory at a time."""
    location = resolve(lake)
    catalog = open_catalog(location)
    props = {ROLLUP_OF_PROPERTY: str(rollup_of), OPERATION_PROPERTY: ROLLUP,
             RUN_ID_PROPERTY: run_id}
    hourly_table = create_rollup_table(catalog, location, ROLLUP_HOURLY_TABLE)
    daily_table = create_rollup_table(catalog, location, ROLLUP_DAILY_TABLE)
    cube_table = create_rollup_table(catalog, location, ROLLUP_MODELS_TABLE,
                                     ROLLUP_MODELS_SCHEMA)
    sketches_table = create_rollup_table(catalog, location, ROLLUP_SKETCHES_TABLE,
                                         ROLLUP_SKETCHES_SCHEMA)
    written: set[int] = set()  # id() of the tables written once

    def write(table: Table, rows: pa.Table) -> None:
        if id(table) not in written:  # the first batch replaces
            table.overwrite(rows, snapshot_properties=props)
            written.add(id(table))
        elif rows.num_rows:
            table.append(rows, snapshot_properties=props)

    for batch in hourly:
        write(hourly_table, conform(batch))
    for batch in daily:
        write(daily_table, conform(batch))
        write(cube_table, models_rollup(batch))
        write(sketches_table, sketches_rollup(batch))
    # No batch: still record which raw snapshot the (empty) rollup reflects.
    for table, schema in ((hourly_table, ROLLUP_SCHEMA), (daily_table, ROLLUP_SCHEMA),
                          (cube_table, ROLLUP_MODELS_SCHEMA),
                          (sketches_table, ROLLUP_SKETCHES_SCHEMA)):
        write(table, schema.empty_table())


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
