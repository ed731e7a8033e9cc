"""`bedrock-logbook migrate`: take a hive-layout lake over into the Iceberg table, in place.

The first ``ingest`` into a hive lake does the same on its own (docs/iceberg.md); this command
does it explicitly and registers the existing files without rewriting any.
"""

from __future__ import annotations

from pathlib import Path

import click

from bedrock_logbook.cli_common import (
    EXIT_BUSY,
    EXIT_CONFIG,
    catalog_option,
    fail,
    lake_option,
    load_settings,
)


@click.command("migrate")
@lake_option
@catalog_option
def migrate_command(lake: str | None, catalog: str | None) -> None:
    """Register a local lake's Parquet files in its Iceberg table (no rewrite; rerun: no-op)."""
    from bedrock_logbook.ingest.lake import LakeBusyError, writer_lock
    from bedrock_logbook.ingest.migrate import migrate
    from bedrock_logbook.lake.location import TableError, resolve

    settings = load_settings(lake=lake, catalog=catalog)
    try:
        location = resolve(settings.lake, settings.catalog)
        if not location.is_s3 and not Path(location.lake).is_dir():
            fail(f"no lake at {settings.lake}: set --lake (or BEDROCK_LOGBOOK_LAKE) to the "
                 "lake folder to migrate", EXIT_CONFIG)
        with writer_lock(location):
            summary = migrate(location)
    except LakeBusyError as e:
        fail(str(e), EXIT_BUSY)
    except TableError as e:
        fail(str(e), EXIT_CONFIG)
    click.echo(summary.line())
