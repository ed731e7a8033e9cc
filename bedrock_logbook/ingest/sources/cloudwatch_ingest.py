"""One CloudWatch Logs ingest run: lock, window from the watermark, read events, ingest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_logbook.ingest import state
from bedrock_logbook.ingest.lake import writer_lock
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.ingest.sources.aws_clients import AwsClients
from bedrock_logbook.ingest.sources.cloudwatch_reading import (
    EventReader,
    EventStats,
    incremental_window,
    watermark_key,
)
from bedrock_logbook.ingest.sources.errors import explain_aws_error
from bedrock_logbook.ingest.sources.s3_reading import fetch_body
from bedrock_logbook.ingest.sources.window import TimeWindow, iso
from bedrock_logbook.ingest.state import Lake, location_of

SOURCE = "cloudwatch"
NEEDS = "logs:FilterLogEvents on the log group"


@dataclass(frozen=True)
class CloudWatchRequest:
    group: str
    streams: tuple[str, ...] | None  # None: all streams
    window: TimeWindow = TimeWindow()
    overlap: timedelta = timedelta(minutes=30)
    full: bool = False
    resolve_offloaded: bool = False


@dataclass
class CloudWatchReport:
    window: TimeWindow
    stats: EventStats
    retries: int = 0
    summary: RunSummary | None = None

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {"retries": self.retries, "events": self.stats.events}
        if self.stats.offloaded_resolved or self.stats.offloaded_failed:
            out["offloaded bodies resolved"] = self.stats.offloaded_resolved
            out["offloaded bodies failed"] = self.stats.offloaded_failed
        return out

    def as_dict(self) -> dict[str, Any]:
        w = self.window
        return {
            "source": SOURCE,
            "dry_run": self.summary is None,
            "window_start": iso(w.start) if w.start else None,
            "window_end": iso(w.end) if w.end else None,
            "pages": self.stats.pages,
            "events": self.stats.events,
            "events_per_stream": self.stats.per_stream,
            "offloaded_resolved": self.stats.offloaded_resolved,
            "offloaded_failed": self.stats.offloaded_failed,
            "retries": self.retries,
            "summary": self.summary.as_dict() if self.summary is not None else None,
        }


def _reader(clients: AwsClients, req: CloudWatchRequest) -> EventReader:
    fetch: Callable[[str], bytes | None] | None = None
    if req.resolve_offloaded:
        s3 = clients.s3()
        def fetch(uri: str) -> bytes | None:
            return fetch_body(s3, clients.counter, uri)
    streams = list(req.streams) if req.streams else None
    return EventReader(clients.logs(), req.group, streams, fetch_body=fetch)


def _target(req: CloudWatchRequest) -> str:
    return f"log group {req.group!r}"


def dry_run_cloudwatch(lake: Lake, clients: AwsClients, req: CloudWatchRequest) -> CloudWatchReport:
    old = state.source_state(lake, SOURCE).get(watermark_key(req.group))
    window = incremental_window(req.window, old, req.overlap, req.full)
    reader = _reader(clients, req)
    try:
        for _ in reader.read(window):
            pass
    except (ClientError, BotoCoreError) as exc:
        raise explain_aws_error(exc, _target(req), NEEDS) from exc
    return CloudWatchReport(window, reader.stats, clients.counter.retries)


def ingest_cloudwatch(
    lake: Lake, clients: AwsClients, req: CloudWatchRequest, options: IngestOptions
) -> CloudWatchReport:
    """Raises LakeBusyError when another run holds a local lake, SourceError on AWS trouble."""
    lake = location_of(lake)
    with writer_lock(lake):
        old = state.source_state(lake, SOURCE).get(watermark_key(req.group))
        window = incremental_window(req.window, old, req.overlap, req.full)
        reader = _reader(clients, req)
        # The watermark is only known once every page is read, so it is handed over as a
        # mapping the pipeline reads at commit time, after the last object.
        new_state: dict[str, str] = {}

        def objects() -> Any:
            yield from reader.read(window)
            advanced = reader.stats.advanced_watermark(old)
            if advanced is not None:
                new_state[watermark_key(req.group)] = advanced

        report = CloudWatchReport(window, reader.stats)

        def counters() -> dict[str, Any]:  # called once every page has been read
            report.retries = clients.counter.retries
            return report.extra()

        try:
            report.summary = ingest_objects(lake, objects(), source=SOURCE, options=options,
                                            source_state=new_state, extra=counters)
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, _target(req), NEEDS) from exc
    return report
