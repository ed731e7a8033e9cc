"""The tag rollup table for test lakes, written as the writer lays it out.

Ingest maintains ``rollup_tags_daily`` with the rollups (ingest/rollup_tables.py); this helper
writes it for lakes that tests build by hand: a table in the lake's catalog beside
``invocations``, schema ``TAG_ROLLUP_SCHEMA``, partition month(``day``), its snapshot
carrying ``rollup_of`` = the raw snapshot it reflects (what the readers compare). The rows are
``build_tag_rollup`` of each UTC day's raw rows, read with pyiceberg (not through the views
under test).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from bedrock_logbook.ingest.tag_rollup import (
    TAG_ROLLUP_SCHEMA,
    TAG_ROLLUP_SCHEMA_VERSION,
    TAG_ROLLUP_TABLE,
    build_tag_rollup,
)
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import NAMESPACE, resolve
from bedrock_logbook.lake.reading import (
    OPERATION_PROPERTY,
    ROLLUP,
    ROLLUP_OF_PROPERTY,
    RUN_ID_PROPERTY,
)


def tag_rollup_of(raw: pa.Table) -> pa.Table:
    """``build_tag_rollup`` run on each UTC day's rows, as the writer runs it."""
    days = pc.cast(raw.column("ts"), pa.date32())  # ts is timestamp[us, UTC]: its UTC date
    parts = [build_tag_rollup(raw.filter(pc.equal(days, day)))
             for day in pc.unique(days).to_pylist()]
    return pa.concat_tables(parts) if parts else TAG_ROLLUP_SCHEMA.empty_table()


def write_tag_rollup(lake: Path | str, rows: pa.Table | None = None,
                     run_id: str = "test-tag-rollup") -> pa.Table:
    """Replace the table's rows (created on first use) with ``rows``, default the tag rollup
    of the raw table's current snapshot, recording that snapshot as ``rollup_of``. Returns
    the rows written."""
    from bedrock_logbook.ingest.rollup_tables import partition_by_month

    location = resolve(lake)
    catalog = open_catalog(location)
    raw_table = catalog.load_table(location.identifier)
    snapshot = raw_table.current_snapshot()
    assert snapshot is not None, "write_tag_rollup needs a lake with an ingested snapshot"
    if rows is None:
        rows = tag_rollup_of(raw_table.scan().to_arrow())
    identifier = (NAMESPACE, TAG_ROLLUP_TABLE)
    if not catalog.table_exists(identifier):
        root = location.table_location.rsplit("/", 1)[0]
        txn = catalog.create_table_transaction(
            identifier, schema=TAG_ROLLUP_SCHEMA, location=f"{root}/{TAG_ROLLUP_TABLE}",
            properties={"bedrock_logbook.rollup_schema_version":
                        str(TAG_ROLLUP_SCHEMA_VERSION),
                        "write.parquet.compression-codec": "zstd"})
        with txn.update_spec() as spec:
            partition_by_month(spec)
        txn.commit_transaction()
    table = catalog.load_table(identifier)
    props = {ROLLUP_OF_PROPERTY: str(snapshot.snapshot_id), OPERATION_PROPERTY: ROLLUP,
             RUN_ID_PROPERTY: run_id}
    table.overwrite(rows.cast(TAG_ROLLUP_SCHEMA), snapshot_properties=props)
    return rows
