"""What every ``bedrock-logbook`` command shares: exit codes, the one-line failure, settings
and the common options. Its own module so the command modules need not import each other.

Exit codes (also in the README): 0 done; 1 unexpected failure; 2 usage error (unknown option,
a flag or argument value that cannot be read such as ``--since yesterday``, contradictory
flags); 3 configuration or input error (BEDROCK_LOGBOOK_* or AWS settings, a missing input,
no lake, bad SQL); 4 AWS said no or could not be reached (access denied, missing bucket or
log group, endpoint unreachable after retries); 5 partial (the ingest committed what it read,
but some objects could not be read: they are listed with their reason in the run record and
read again by the next run); 75 lake busy (another ingest holds the lock:
nothing was done, try again later).
"""

from __future__ import annotations

import csv
import errno
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from bedrock_logbook.ingest.objects import UNREADABLE_REASONS
from bedrock_logbook.settings import FlagValueError, Settings, SettingsError

if TYPE_CHECKING:
    from bedrock_logbook.lake.location import TableLocation

EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_AWS = 4
EXIT_PARTIAL = 5
EXIT_BUSY = 75

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, a meaningful exit code, no traceback."""
    click.echo(f"bedrock-logbook: {message}", err=True)
    sys.exit(code)


def os_error_message(e: OSError) -> str:
    """One line for a filesystem failure: what happened, to which file, what to do."""
    where = f" ({e.filename})" if e.filename else ""
    hint = {
        errno.ENOSPC: "; free some space and rerun (nothing half-written is kept)",
        errno.EDQUOT: "; free some space and rerun (nothing half-written is kept)",
        errno.EROFS: "; the lake must be on a writable filesystem",
        errno.EACCES: "; check the permissions of the lake and input",
        errno.EPERM: "; check the permissions of the lake and input",
    }.get(e.errno or 0, "")
    return f"{e.strerror or type(e).__name__}{where}{hint}"


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings.load(**overrides)
    except FlagValueError as e:
        fail(str(e), EXIT_USAGE)
    except SettingsError as e:
        fail(str(e), EXIT_CONFIG)


def require_lake(settings: Settings) -> TableLocation:
    """Commands that read a lake stop here, with exit 3 and what to set, when the lake is
    missing, is not a lake, or holds only files of the old hive layout (run ``migrate``): an
    empty answer would look like an empty lake. Returns where the table is.

    A local lake is checked on disk only (cheap: ``views`` loads no catalog); an ``s3://``
    lake is checked when :func:`connect_lake` loads its table."""
    from bedrock_logbook.ingest.schema import (
        INVOCATIONS_DIR,
        LAKE_META_FILE,
        QUARANTINE_DIR,
        RUNS_DIR,
    )
    from bedrock_logbook.lake.location import LOCAL_CATALOG_FILE, TableError, resolve
    from bedrock_logbook.lake.reading import has_hive_files

    try:
        location = resolve(settings.lake, settings.catalog)
    except TableError as e:
        fail(str(e), EXIT_CONFIG)
    if location.is_s3:
        return location
    lake = Path(location.lake)
    how = (f"make one with `bedrock-logbook ingest files LOG_FOLDER --lake {lake}` "
           "(or `ingest s3` / `ingest cloudwatch`), or point --lake/BEDROCK_LOGBOOK_LAKE at one")
    if not lake.exists():
        fail(f"no lake at {lake}: {how}", EXIT_CONFIG)
    markers = (INVOCATIONS_DIR, RUNS_DIR, QUARANTINE_DIR, LAKE_META_FILE, LOCAL_CATALOG_FILE)
    if not lake.is_dir() or not any((lake / m).exists() for m in markers):
        fail(f"{lake} is not a bedrock-logbook lake (it has no {INVOCATIONS_DIR}/, {RUNS_DIR}/ "
             f"or {LAKE_META_FILE}): {how}", EXIT_CONFIG)
    if (settings.catalog is None and not (lake / LOCAL_CATALOG_FILE).exists()
            and has_hive_files(location)):
        fail(f"{lake} holds Parquet files of the old layout but no table: run "
             f"`bedrock-logbook migrate --lake {lake}` once (or any ingest)", EXIT_CONFIG)
    return location


def connect_lake(settings: Settings, *, required: bool = True) -> Any:
    """The lake's DuckDB views over its table's current snapshot (after
    :func:`require_lake` unless not ``required``, as for ``prices``, which needs no lake).
    A price file we cannot use, a lake or catalog setting that does not work, or an
    ``s3://`` lake with no table is a one-line configuration error; AWS refusing or
    unreachable is exit 4."""
    from bedrock_logbook import queries
    from bedrock_logbook.lake.location import TableError, resolve

    try:
        location = require_lake(settings) if required else resolve(settings.lake,
                                                                   settings.catalog)
        con = queries.connect(location.lake, catalog=settings.catalog, prices=settings.prices)
    except queries.PriceFileError as e:
        fail(str(e), EXIT_CONFIG)
    except TableError as e:
        fail(str(e), EXIT_CONFIG)
    except Exception as e:  # noqa: BLE001 (AWS errors come from pyarrow or botocore)
        if isinstance(e, OSError) or type(e).__module__.startswith(("botocore", "boto3")):
            fail(f"cannot read the lake {location.lake}: {e}".splitlines()[0], EXIT_AWS)
        raise
    if required and location.is_s3 and queries.read_plan(con).metadata_location is None:
        fail(f"no invocations table for {location.lake} in the {location.kind} catalog: "
             f"ingest into it first (`bedrock-logbook ingest s3 ... --lake {location.lake}`), "
             "or set --catalog/BEDROCK_LOGBOOK_CATALOG to the catalog that holds it",
             EXIT_CONFIG)
    return con


def echo_rows(names: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str,
              table: Callable[[], Iterable[str]]) -> None:
    """Rows as JSON or CSV (full precision), or as the lines ``table`` makes for people."""
    if fmt == "json":
        click.echo(json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str,
                              indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    else:
        for line in table():
            click.echo(line)


def lake_option(f: F) -> F:
    # Text, not click.Path: a Path would turn s3://BUCKET/PREFIX into s3:/BUCKET/PREFIX.
    return click.option(
        "--lake", default=None, metavar="DIR|s3://BUCKET/PREFIX",
        help="Lake: a local folder or s3://BUCKET/PREFIX (env BEDROCK_LOGBOOK_LAKE, default "
             "./lake).",
    )(f)


def catalog_option(f: F) -> F:
    return click.option(
        "--catalog", default=None, metavar="glue|rest:URI|sql:URL",
        help="Iceberg catalog holding the lake's table (env BEDROCK_LOGBOOK_CATALOG; default: "
             "a SQLite catalog inside a local lake, AWS Glue for an s3:// lake).",
    )(f)


def prices_option(f: F) -> F:
    return click.option(
        "--prices", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
        help="CSV of your own prices overriding/extending the shipped table "
             "(env BEDROCK_LOGBOOK_PRICES).",
    )(f)


def ingest_options(f: F) -> F:
    """Options every ``ingest`` source shares."""
    for option in reversed([
        click.option("--keep-bodies/--no-keep-bodies", default=None,
                     help="Also store prompt and response bodies (off by default: they are "
                          "sensitive). Env BEDROCK_LOGBOOK_KEEP_BODIES."),
        click.option("--workers", type=int, default=None,
                     help="Parser processes, and S3 download threads (env "
                          "BEDROCK_LOGBOOK_WORKERS, default 2)."),
        click.option("--salt", default=None,
                     help="Salt for prompt fingerprints (env BEDROCK_LOGBOOK_SALT; default: a "
                          "random salt kept in the lake)."),
        click.option("--latency-field", type=click.Choice(["applied", "requested"]),
                     default=None,
                     help="Read the log's top-level performanceConfig as the latency mode "
                          "Bedrock applied (default) or as the mode the caller requested "
                          "(docs/served-latency.md). Env BEDROCK_LOGBOOK_LATENCY_FIELD."),
        click.option("--json", "as_json", is_flag=True,
                     help="Print the result as JSON."),
    ]):
        f = option(f)
    return lake_option(f)


def check_balanced(summary: Any) -> None:
    if not summary.balanced:
        fail("record count does not balance (lines != rows + duplicates + quarantined); "
             "please report this", EXIT_UNEXPECTED)


def emit_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.as_dict(), sort_keys=True))
    else:
        click.echo(summary.line())
    check_balanced(summary)
    if getattr(summary, "partial", False):
        listed = ", ".join(f"{s['uri']} ({s['reason']})" for s in summary.skipped
                           if s["reason"] in UNREADABLE_REASONS)
        fail(f"partial run: {summary.unreadable_objects} objects could not be read and will "
             f"be tried again: {listed[:500]}", EXIT_PARTIAL)
