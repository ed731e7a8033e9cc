"""`bedrock-logbook migrate`: take a hive-layout lake over into the Iceberg table, in place.

Groundwork for issue 11 (see docs/iceberg.md): the other commands still read and write the
hive layout; this registers the existing files in the table without rewriting any.
"""

from __future__ import annotations

from pathlib import Path

import click

from bedrock_logbook.cli_common import EXIT_BUSY, EXIT_CONFIG, fail, lake_option, load_settings


@click.command("migrate")
@lake_option
@click.option("--catalog", default=None,
              help="Iceberg catalog: sql:SQLALCHEMY_URL (env BEDROCK_LOGBOOK_CATALOG; default "
                   "a SQLite catalog inside the lake).")
def migrate_command(lake: Path | None, catalog: str | None) -> None:
    """Register a local lake's Parquet files in its Iceberg table (no rewrite; rerun: no-op)."""
    from bedrock_logbook.ingest.lake import LakeBusyError, LakeLock
    from bedrock_logbook.ingest.migrate import migrate
    from bedrock_logbook.lake.location import TableError, resolve

    settings = load_settings(lake=lake, catalog=catalog)
    if not Path(settings.lake).is_dir():
        fail(f"no lake at {settings.lake}: set --lake (or BEDROCK_LOGBOOK_LAKE) to the lake "
             "folder to migrate", EXIT_CONFIG)
    try:
        location = resolve(settings.lake, settings.catalog)
        with LakeLock(Path(settings.lake)):
            summary = migrate(location)
    except LakeBusyError as e:
        fail(str(e), EXIT_BUSY)
    except TableError as e:
        fail(str(e), EXIT_CONFIG)
    click.echo(summary.line())
