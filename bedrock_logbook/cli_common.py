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
from typing import Any, NoReturn, TypeVar

import click

from bedrock_logbook.ingest.objects import UNREADABLE_REASONS
from bedrock_logbook.settings import FlagValueError, Settings, SettingsError

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


def require_lake(lake: Path) -> None:
    """Commands that read a lake stop here, with exit 3 and how to make one, when ``lake`` is
    missing or is not a folder ``bedrock-logbook ingest`` wrote (an empty answer would look
    like an empty lake)."""
    from bedrock_logbook.ingest.schema import (
        INVOCATIONS_DIR,
        LAKE_META_FILE,
        QUARANTINE_DIR,
        RUNS_DIR,
    )

    how = (f"make one with `bedrock-logbook ingest files LOG_FOLDER --lake {lake}` "
           "(or `ingest s3` / `ingest cloudwatch`), or point --lake/BEDROCK_LOGBOOK_LAKE at one")
    if not lake.exists():
        fail(f"no lake at {lake}: {how}", EXIT_CONFIG)
    markers = (INVOCATIONS_DIR, RUNS_DIR, QUARANTINE_DIR, LAKE_META_FILE)
    if not lake.is_dir() or not any((lake / m).exists() for m in markers):
        fail(f"{lake} is not a bedrock-logbook lake (it has no {INVOCATIONS_DIR}/, {RUNS_DIR}/ "
             f"or {LAKE_META_FILE}): {how}", EXIT_CONFIG)


def connect_lake(lake: Path, prices: Path | None) -> Any:
    """The lake's DuckDB views; a price file we cannot use is a one-line configuration error."""
    from bedrock_logbook import queries

    try:
        return queries.connect(lake, prices=prices)
    except queries.PriceFileError as e:
        fail(str(e), EXIT_CONFIG)


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
    return click.option(
        "--lake", default=None,  # text: a Path would turn s3://B/P into s3:/B/P
        help="Lake: a local folder or s3://BUCKET/PREFIX (env BEDROCK_LOGBOOK_LAKE, "
             "default ./lake).",
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
