"""The same-day prompt pairs table for test and bench lakes, written as the writer lays it out.

Ingest maintains ``prompt_pairs_daily`` with the rollups (wired at merge); this helper writes
it for lakes that tests build by hand: a table in the lake's catalog beside ``invocations``,
schema ``PROMPT_PAIRS_SCHEMA``, partition month(``day``) as ingest writes it, every snapshot
carrying ``rollup_of`` = the raw snapshot it reflects (what the readers compare).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from bedrock_logbook.ingest.prompt_pairs import (
    PROMPT_PAIRS_SCHEMA,
    PROMPT_PAIRS_SCHEMA_VERSION,
    PROMPT_PAIRS_TABLE,
    build_prompt_pairs,
    conform,
)
from bedrock_logbook.lake.catalog import open_catalog
from bedrock_logbook.lake.location import NAMESPACE, resolve
from bedrock_logbook.lake.reading import (
    OPERATION_PROPERTY,
    ROLLUP,
    ROLLUP_OF_PROPERTY,
    RUN_ID_PROPERTY,
)


def write_prompt_pairs(lake: Path | str, rows: pa.Table, rollup_of: int,
                       run_id: str = "test-prompt-pairs") -> None:
    """Replace the table's rows with ``rows`` (created on first use), recording ``rollup_of``."""
    from bedrock_logbook.ingest.rollup_tables import partition_by_month

    location = resolve(lake)
    catalog = open_catalog(location)
    identifier = (NAMESPACE, PROMPT_PAIRS_TABLE)
    if not catalog.table_exists(identifier):
        root = location.table_location.rsplit("/", 1)[0]
        txn = catalog.create_table_transaction(
            identifier, schema=PROMPT_PAIRS_SCHEMA, location=f"{root}/{PROMPT_PAIRS_TABLE}",
            properties={"bedrock_logbook.prompt_pairs_schema_version":
                        str(PROMPT_PAIRS_SCHEMA_VERSION),
                        "write.parquet.compression-codec": "zstd"})
        with txn.update_spec() as spec:
            partition_by_month(spec)
        txn.commit_transaction()
    table = catalog.load_table(identifier)
    props = {ROLLUP_OF_PROPERTY: str(rollup_of), OPERATION_PROPERTY: ROLLUP,
             RUN_ID_PROPERTY: run_id}
    table.overwrite(conform(rows), snapshot_properties=props)


def build_from_lake(lake: Path | str) -> tuple[pa.Table, int]:
    """The pairs of the raw table's current snapshot, built day by day from rows read with
    pyiceberg (not through the views under test), and that snapshot's id."""
    location = resolve(lake)
    raw_table = open_catalog(location).load_table(location.identifier)
    snapshot = raw_table.current_snapshot()
    assert snapshot is not None, "build_from_lake needs a lake with an ingested snapshot"
    raw = raw_table.scan().to_arrow()
    return build_prompt_pairs(raw), snapshot.snapshot_id
