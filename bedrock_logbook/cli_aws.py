"""``bedrock-logbook ingest s3`` and ``ingest cloudwatch``: flags in, one summary line out.

The logic lives in ``ingest.sources``; this module only reads flags, picks the exit code and
prints. Exit codes: 0 done, 1 unexpected, 2 usage (bad --since/--start/--end, bad URI,
contradictory flags), 3 configuration (no Region, no credentials, bad settings), 4 AWS access
denied, missing bucket/log group or AWS unreachable after retries, 75 lake busy (another run
holds a local lake's lock; nothing was done; s3:// lakes take no lock).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from bedrock_logbook.cli_common import (
    EXIT_BUSY,
    EXIT_CONFIG,
    EXIT_UNEXPECTED,
    F,
    catalog_option,
    emit_summary,
    fail,
    ingest_options,
    load_settings,
    os_error_message,
)
from bedrock_logbook.cli_lake import table_location
from bedrock_logbook.settings import SettingsError


def _common(f: F) -> F:
    """The shared ingest options, plus the window and AWS options both sources take."""
    for option in reversed([
        click.option("--since", default=None,
                     help="Start of the window: a duration ago (6h, 2d) or ISO-8601."),
        click.option("--start", default=None, help="Start of the window (ISO-8601 or 2d)."),
        click.option("--end", default=None, help="End of the window, exclusive (ISO-8601 or 1h)."),
        click.option("--full", is_flag=True,
                     help="Ignore the incremental watermark and look at everything."),
        click.option("--resolve-offloaded", is_flag=True,
                     help="Fetch offloaded output bodies (data/…_output.json.gz) to recover "
                          "latency and token metrics (needs s3:GetObject on them)."),
        click.option("--dry-run", is_flag=True, help="Show what would be read; change nothing."),
        click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE)."),
        click.option("--endpoint-url", default=None,
                     help="AWS endpoint (default: AWS_ENDPOINT_URL; for tests and proxies)."),
    ]):
        f = option(f)
    return catalog_option(ingest_options(f))


def _run(action: Callable[[], Any]) -> Any:
    """Run ``action`` and turn every failure into one stderr line and its exit code."""
    from bedrock_logbook.ingest.lake import LakeBusyError, LakeError
    from bedrock_logbook.ingest.sources.errors import SourceError
    from bedrock_logbook.lake.location import TableError

    try:
        return action()
    except LakeBusyError as e:
        fail(str(e), EXIT_BUSY)
    except (SettingsError, LakeError, TableError) as e:
        fail(str(e), EXIT_CONFIG)
    except SourceError as e:
        fail(str(e), e.exit_code)
    except OSError as e:
        fail(os_error_message(e), EXIT_CONFIG)
    except Exception as e:  # noqa: BLE001 - cron wants one line, not a traceback
        fail(f"unexpected {type(e).__name__}: {e}", EXIT_UNEXPECTED)


def _clients(profile: str | None, region: str | None, endpoint_url: str | None,
             workers: int) -> Any:
    from bedrock_logbook.ingest.sources.aws_clients import AwsClients, make_session

    return AwsClients(make_session(profile, region), endpoint_url=endpoint_url,
                      max_pool_connections=max(10, 2 * workers))


def _emit(report: Any, as_json: bool, dry_lines: list[str], dry_line: str) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), sort_keys=True, default=str))
        return
    if report.summary is None:
        for line in dry_lines:
            click.echo(line)
        click.echo(dry_line)
        return
    emit_summary(report.summary, as_json=False)


@click.command("s3")
@click.argument("uri")
@click.option("--account", "accounts", multiple=True,
              help="Only this account's logs (repeatable).")
@click.option("--region", "regions", multiple=True,
              help="Only logs of this Bedrock region (repeatable).")
@click.option("--lookback-hours", type=click.IntRange(0, 24 * 366), default=6, show_default=True,
              help="Without a window, re-list hour folders this far before the newest one "
                   "already seen, to catch objects delivered late.")
@_common
def s3_command(uri: str, accounts: tuple[str, ...], regions: tuple[str, ...],
               lookback_hours: int, lake: str | None, keep_bodies: bool | None,
               workers: int | None, salt: str | None, latency_field: str | None,
               since: str | None, start: str | None,
               end: str | None, full: bool, resolve_offloaded: bool, dry_run: bool,
               as_json: bool, profile: str | None, endpoint_url: str | None,
               catalog: str | None) -> None:
    """Ingest invocation logs from s3://BUCKET[/PREFIX] (incremental; safe to rerun)."""
    from bedrock_logbook.ingest.pipeline import IngestOptions
    from bedrock_logbook.ingest.sources.s3_ingest import dry_run_s3, ingest_s3
    from bedrock_logbook.ingest.sources.s3_keys import parse_s3_uri
    from bedrock_logbook.ingest.sources.s3_listing import ListingRequest
    from bedrock_logbook.ingest.sources.window import resolve_window

    settings = load_settings(lake=lake, keep_bodies=keep_bodies, workers=workers, salt=salt,
                             latency_field=latency_field, catalog=catalog)
    location = table_location(settings)
    now = datetime.now(UTC)

    def action() -> Any:
        request = ListingRequest(
            location=parse_s3_uri(uri),
            window=resolve_window(now, since, start, end),
            accounts=accounts, regions=regions, lookback_hours=lookback_hours, full=full,
        )
        clients = _clients(profile, None, endpoint_url, settings.workers)
        if dry_run:
            return dry_run_s3(location, clients, request, now)
        options = IngestOptions(keep_bodies=settings.keep_bodies, salt=settings.salt,
                                workers=settings.workers,
                                latency_field=settings.latency_field)
        return ingest_s3(location, clients, request, options, now,
                         resolve_offloaded=resolve_offloaded)

    report = _run(action)
    listing = report.listing
    _emit(report, as_json,
          [f"{o.uri}\t{o.size}" for o in listing.to_read],
          f"dry run: {len(listing.to_read)} objects to read "
          f"({sum(o.size for o in listing.to_read)} bytes), {listing.already_ingested} already "
          f"ingested, {len(listing.skipped)} skipped, {listing.list_requests} list requests")


@click.command("cloudwatch")
@click.option("--log-group", required=True, help="The log group Bedrock delivers to.")
@click.option("--stream", "streams", multiple=True,
              help="Log stream(s) to read (default: aws/bedrock/modelinvocations).")
@click.option("--all-streams", is_flag=True, help="Read every stream of the group.")
@click.option("--region", default=None,
              help="AWS Region of the log group (default, as the AWS CLI: AWS_REGION, then "
                   "AWS_DEFAULT_REGION, then the profile's region).")
@click.option("--overlap-minutes", type=click.IntRange(0, 7 * 24 * 60), default=30,
              show_default=True,
              help="Without a window, start this long before the newest event already read: "
                   "events reach CloudWatch late.")
@_common
def cloudwatch_command(log_group: str, streams: tuple[str, ...], all_streams: bool,
                       region: str | None, overlap_minutes: int, lake: str | None,
                       keep_bodies: bool | None, workers: int | None, salt: str | None,
                       latency_field: str | None,
                       since: str | None, start: str | None, end: str | None, full: bool,
                       resolve_offloaded: bool, dry_run: bool, as_json: bool,
                       profile: str | None, endpoint_url: str | None,
                       catalog: str | None) -> None:
    """Ingest invocation logs from a CloudWatch Logs group (incremental; safe to rerun)."""
    from bedrock_logbook.ingest.pipeline import IngestOptions
    from bedrock_logbook.ingest.sources.cloudwatch_ingest import (
        CloudWatchRequest,
        dry_run_cloudwatch,
        ingest_cloudwatch,
    )
    from bedrock_logbook.ingest.sources.cloudwatch_reading import BEDROCK_STREAM
    from bedrock_logbook.ingest.sources.errors import SourceUsageError
    from bedrock_logbook.ingest.sources.window import resolve_window

    settings = load_settings(lake=lake, keep_bodies=keep_bodies, workers=workers, salt=salt,
                             latency_field=latency_field, catalog=catalog)
    location = table_location(settings)
    now = datetime.now(UTC)

    def action() -> Any:
        if all_streams and streams:
            raise SourceUsageError("--stream and --all-streams contradict each other")
        request = CloudWatchRequest(
            group=log_group,
            streams=None if all_streams else (streams or (BEDROCK_STREAM,)),
            window=resolve_window(now, since, start, end),
            overlap=timedelta(minutes=overlap_minutes), full=full,
            resolve_offloaded=resolve_offloaded,
        )
        clients = _clients(profile, region, endpoint_url, settings.workers)
        if dry_run:
            return dry_run_cloudwatch(location, clients, request)
        options = IngestOptions(keep_bodies=settings.keep_bodies, salt=settings.salt,
                                workers=settings.workers,
                                latency_field=settings.latency_field)
        return ingest_cloudwatch(location, clients, request, options)

    report = _run(action)
    d = report.as_dict()
    _emit(report, as_json,
          [f"{stream}\t{n} events" for stream, n in sorted(report.stats.per_stream.items())],
          f"dry run: {d['events']} events in {log_group} from {d['window_start'] or 'the start'}"
          f" to {d['window_end'] or 'now'}")
