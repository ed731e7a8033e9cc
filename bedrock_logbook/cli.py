"""The ``bedrock-logbook`` command: a thin click shell over ``ingest`` and ``queries``.

Exit codes and shared options: ``bedrock_logbook.cli_common``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bedrock_logbook.cli_common import (
    EXIT_BUSY,
    EXIT_CONFIG,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    catalog_option,
    connect_lake,
    echo_rows,
    emit_summary,
    fail,
    ingest_options,
    lake_option,
    load_settings,
    os_error_message,
    prices_option,
    require_lake,
)
from bedrock_logbook.cli_lake import table_location
from bedrock_logbook.human import format_table, summary_lines


def progress_callback(total_bytes: int) -> tuple[Callable[[int, int], None] | None,
                                                 Callable[[], None]]:
    """A progress bar on a terminal; nothing under cron (one summary line instead)."""
    if not sys.stderr.isatty() or total_bytes <= 0:
        return None, lambda: None
    bar = click.progressbar(length=total_bytes, label="ingesting", file=sys.stderr,
                            show_eta=True)
    bar.__enter__()
    state = {"done": 0}

    def update(_objects: int, done_bytes: int) -> None:
        bar.update(done_bytes - state["done"])
        state["done"] = done_bytes

    return update, lambda: bar.__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bedrock-logbook")
def main() -> None:
    """Amazon Bedrock model-invocation logs -> Parquet lake -> DuckDB views -> dashboard."""


@main.group()
def ingest() -> None:
    """Read invocation logs into the lake (incremental, idempotent, safe to rerun)."""
    from bedrock_logbook.ingest.without_pandas import block_pandas

    # No ingest step uses pandas; pyarrow and pyiceberg would import it anyway (~0.6 s of
    # CPU taken from the parse, ~33 MB). A process that already has it (a test runner
    # invoking the command in-process) keeps it.
    if "pandas" not in sys.modules:
        block_pandas()


@ingest.command("files")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@ingest_options
@catalog_option
def ingest_files(paths: tuple[Path, ...], lake: str | None, keep_bodies: bool | None,
                 workers: int | None, salt: str | None, latency_field: str | None,
                 as_json: bool, catalog: str | None) -> None:
    """Ingest local files: directories in the S3 key layout, or .json.gz/.json/.jsonl files."""
    from bedrock_logbook.ingest.lake import LakeBusyError, LakeError, writer_lock
    from bedrock_logbook.ingest.objects import SkippedObject, list_local, read_local
    from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects
    from bedrock_logbook.lake.location import TableError

    settings = load_settings(lake=lake, keep_bodies=keep_bodies, workers=workers, salt=salt,
                             latency_field=latency_field, catalog=catalog)
    location = table_location(settings)
    files: list[Path] = []
    skipped: list[SkippedObject] = []
    for path in paths:
        try:
            found, skip = list_local(path)
        except FileNotFoundError as e:
            fail(str(e), EXIT_CONFIG)
        files.extend(found)
        skipped.extend(skip)
    # Sorted and once each: which copy of a duplicated request wins (the first read) must not
    # depend on the order of the arguments.
    files = sorted(set(files), key=str)
    update, close = progress_callback(sum(_size(p) for p in files))
    options = IngestOptions(keep_bodies=settings.keep_bodies, salt=settings.salt,
                            workers=settings.workers, latency_field=settings.latency_field,
                            progress=update)
    try:
        with writer_lock(location):
            summary = ingest_objects(location, read_local(files, skipped),
                                     source="files", options=options, skipped=skipped)
    except LakeBusyError as e:
        fail(str(e), EXIT_BUSY)
    except (LakeError, TableError) as e:
        fail(str(e), EXIT_CONFIG)
    except OSError as e:  # disk full, read-only lake, ...
        fail(os_error_message(e), EXIT_CONFIG)
    finally:
        close()
    emit_summary(summary, as_json)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since listed: read_local reports it
        return 0


@main.command("compact")
@lake_option
@catalog_option
@click.option("--expire-after", default="7d", show_default=True, metavar="DURATION",
              help="Expire snapshots superseded longer ago than this (0, 30m, 24h, 7d, 2w).")
@click.option("--orphans-older-than", default=None, metavar="DURATION",
              help="Delete unreferenced files older than this [default: 0 on a local lake, "
                   "which compact locks; 24h on s3://, where another host may be mid-commit].")
def compact_command(lake: str | None, catalog: str | None, expire_after: str,
                    orphans_older_than: str | None) -> None:
    """Rewrite each day's small files into large ones and drop duplicate request IDs (one
    snapshot), expire old snapshots, delete files nothing references.

    Safe to kill and rerun, and to run while an ingest appends; queries see the same rows
    before and after.
    """
    from bedrock_logbook.ingest.compact import CompactConflict, compact
    from bedrock_logbook.ingest.lake import LakeBusyError, LakeError, LakeLock
    from bedrock_logbook.ingest.maintenance import OrphanCheckError, parse_duration
    from bedrock_logbook.lake.location import TableError, resolve

    settings = load_settings(lake=lake, catalog=catalog)
    require_lake(settings)
    try:
        retention = parse_duration(expire_after)
        grace = None if orphans_older_than is None else parse_duration(orphans_older_than)
    except ValueError as e:
        fail(f"--expire-after/--orphans-older-than: {e}", EXIT_USAGE)
    try:
        location = resolve(settings.lake, settings.catalog)
        if location.is_s3:  # no lock on S3: the catalog's compare-and-swap is the guarantee
            summary = compact(location, retention=retention, orphan_grace=grace)
        else:
            with LakeLock(Path(location.lake)):
                summary = compact(location, retention=retention, orphan_grace=grace)
    except (LakeBusyError, CompactConflict) as e:
        fail(str(e), EXIT_BUSY)
    except (LakeError, TableError, OrphanCheckError) as e:
        fail(str(e), EXIT_CONFIG)
    except OSError as e:
        fail(os_error_message(e), EXIT_CONFIG)
    click.echo(summary.line())


def _rows(con: Any, query: str, params: dict[str, str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = con.execute(query, params or None)
    names = [d[0] for d in cur.description] if cur.description else []
    return names, cur.fetchall()


@main.command("sql")
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True,
              help="table rounds numbers for reading; csv and json keep full precision.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind $NAME in the query to VALUE (repeatable); values are never spliced.")
@lake_option
@catalog_option
@prices_option
def sql(query: str, fmt: str, params: tuple[str, ...], lake: str | None, catalog: str | None,
        prices: Path | None) -> None:
    """Run SQL with every view defined (see `bedrock-logbook views`) over the lake table's
    current snapshot."""
    import duckdb

    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    bound: dict[str, str] = {}
    for p in params:
        name, sep, value = p.partition("=")
        if not sep or not name:
            fail(f"--param expects NAME=VALUE, got {p!r}", EXIT_USAGE)
        bound[name] = value
    con = connect_lake(settings)
    try:
        names, rows = _rows(con, query, bound)
    except duckdb.Error as e:
        fail(f"SQL error: {e}".splitlines()[0], EXIT_CONFIG)
    echo_rows(names, rows, fmt, lambda: format_table(names, rows))


@main.command("summary")
@lake_option
@catalog_option
@prices_option
def summary(lake: str | None, catalog: str | None, prices: Path | None) -> None:
    """A few lines on what the lake holds: requests, tokens, cost, latency, modes."""
    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    con = connect_lake(settings)
    names, rows = _rows(con, "SELECT * FROM summary_overview", {})
    click.echo(f"lake {require_lake(settings).lake}")
    for line in summary_lines(dict(zip(names, rows[0], strict=True))):
        click.echo(line)


@main.command("views")
@lake_option
@catalog_option
@click.option("--dialect", type=click.Choice(["spark", "trino", "athena"]), default=None,
              help="Print the staging and metric views as this engine's SQL instead "
                   "(docs/athena.md); needs no lake.")
def views(lake: str | None, catalog: str | None, dialect: str | None) -> None:
    """List the views over the lake with their one-line purpose."""
    if dialect is not None:
        from bedrock_logbook.queries.dialects import script
        prices = load_settings().prices  # BEDROCK_LOGBOOK_PRICES, as `sql` reads it
        click.echo(script(dialect, prices=None if prices is None else str(prices)))
        return
    from bedrock_logbook import queries
    require_lake(load_settings(lake=lake, catalog=catalog))
    infos = queries.list_views()
    width = max(len(v.name) for v in infos)
    for v in infos:
        click.echo(f"{v.name.ljust(width)}  [{v.layer}] {v.purpose}")


@main.command("duckdb-file")
@lake_option
@catalog_option
@prices_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write it (default <lake>/logbook.duckdb; required for an "
                   "s3:// lake).")
def duckdb_file(lake: str | None, catalog: str | None, prices: Path | None,
                out: Path | None) -> None:
    """Write a .duckdb file holding every view, for the DuckDB CLI or Python (open read-only).

    It reads the table's files as of now: rerun it after an ingest to see the new rows."""
    from bedrock_logbook import queries
    from bedrock_logbook.lake.location import TableError

    settings = load_settings(lake=lake, catalog=catalog, prices=prices)
    location = require_lake(settings)
    if out is None and location.is_s3:
        fail(f"--out is required for an s3:// lake ({location.lake}): the .duckdb file is "
             "written on this machine", EXIT_USAGE)
    target = out or Path(location.lake) / "logbook.duckdb"
    try:
        queries.write_database(location.lake, target, catalog=settings.catalog,
                               prices=settings.prices)
    except (queries.PriceFileError, TableError) as e:
        fail(str(e), EXIT_CONFIG)
    click.echo(f"wrote {target} (the table's files as of now: rerun after each ingest); "
               f"open it with: duckdb -readonly {target}")


@main.command("schema-doc")
@click.option("--check", type=click.Path(path_type=Path), default=None,
              help="Exit 1 if this file differs from the generated text.")
def schema_doc(check: Path | None) -> None:
    """Print the lake schema documentation generated from ingest/schema.py."""
    from bedrock_logbook.ingest.schema import schema_doc as render

    text = render()
    if check is not None:
        if not check.exists() or check.read_text() != text:
            fail(f"{check} is out of date: run `bedrock-logbook schema-doc > {check}`",
                 EXIT_UNEXPECTED)
        return
    click.echo(text, nl=False)


def _register_commands() -> None:
    """Commands that live in their own modules (one job each)."""
    from bedrock_logbook.cli_aws import cloudwatch_command, s3_command
    from bedrock_logbook.cli_dashboard import dashboard_command
    from bedrock_logbook.cli_migrate import migrate_command
    from bedrock_logbook.cli_prices import prices_command
    from bedrock_logbook.cli_sample import sample_command

    ingest.add_command(s3_command, "s3")
    ingest.add_command(cloudwatch_command, "cloudwatch")
    main.add_command(sample_command, "sample")
    main.add_command(dashboard_command, "dashboard")
    main.add_command(prices_command, "prices")
    main.add_command(migrate_command, "migrate")


_register_commands()

if __name__ == "__main__":
    main()
