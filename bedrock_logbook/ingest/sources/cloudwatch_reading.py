"""CloudWatch Logs events → RawObjects, with the ``filter_log_events`` paginator.

Each event's message is one ModelInvocationLog record; each page becomes one NDJSON object
per log stream. The watermark is the newest event time a committed run saw; the next run
starts ``overlap`` before it, because Bedrock's events can reach the log group late. Records
read twice are dropped by request ID in the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.sources.offloaded import inline_output_bodies
from bedrock_logbook.ingest.sources.window import TimeWindow, iso, parse_iso

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

BEDROCK_STREAM = "aws/bedrock/modelinvocations"


def watermark_key(group: str) -> str:
    return f"watermark:{group}"


def to_ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def incremental_window(
    explicit: TimeWindow, watermark: str | None, overlap: timedelta, full: bool = False
) -> TimeWindow:
    """The explicit window if any; else from ``watermark − overlap``; else everything."""
    if explicit.bounded or full or watermark is None:
        return explicit
    return TimeWindow(parse_iso(watermark) - overlap, None)


@dataclass
class EventStats:
    pages: int = 0
    events: int = 0
    per_stream: dict[str, int] = field(default_factory=dict)
    newest_ms: int | None = None
    offloaded_resolved: int = 0
    offloaded_failed: int = 0

    def advanced_watermark(self, old: str | None) -> str | None:
        """The newest event time seen, if it moves the watermark forward (never back)."""
        if self.newest_ms is None:
            return None
        new = from_ms(self.newest_ms)
        if old is not None and parse_iso(old) >= new:
            return None
        return iso(new)


class EventReader:
    def __init__(
        self,
        client: CloudWatchLogsClient,
        group: str,
        streams: list[str] | None,
        *,
        fetch_body: Callable[[str], bytes | None] | None = None,
    ) -> None:
        self.client = client
        self.group = group
        self.streams = streams  # None: every stream of the group
        self.fetch_body = fetch_body  # set: inline offloaded output bodies
        self.stats = EventStats()

    def read(self, window: TimeWindow) -> Iterator[RawObject]:
        paginator = self.client.get_paginator("filter_log_events")
        kwargs: dict[str, object] = {"logGroupName": self.group}
        if self.streams:
            kwargs["logStreamNames"] = self.streams
        if window.start is not None:
            kwargs["startTime"] = to_ms(window.start)
        if window.end is not None:
            kwargs["endTime"] = to_ms(window.end) - 1  # endTime is inclusive; windows are not
        for page in paginator.paginate(**kwargs):  # type: ignore[arg-type]
            self.stats.pages += 1
            by_stream: dict[str, list[bytes]] = {}
            first_ms: dict[str, int] = {}
            for event in page.get("events", []):
                stream = event.get("logStreamName", "")
                ts = int(event.get("timestamp", 0))
                by_stream.setdefault(stream, []).append(event.get("message", "").encode())
                first_ms.setdefault(stream, ts)
                if self.stats.newest_ms is None or ts > self.stats.newest_ms:
                    self.stats.newest_ms = ts
            for stream, messages in by_stream.items():
                self.stats.events += len(messages)
                self.stats.per_stream[stream] = self.stats.per_stream.get(stream, 0) + len(messages)
                yield self._object(stream, first_ms[stream], b"\n".join(messages))

    def _object(self, stream: str, first_ms: int, data: bytes) -> RawObject:
        if self.fetch_body is not None:
            inlined = inline_output_bodies(data, self.fetch_body)
            data = inlined.data
            self.stats.offloaded_resolved += inlined.resolved
            self.stats.offloaded_failed += inlined.failed
        # Where to find the events again: line n is the n-th event from time t (ms).
        return RawObject(uri=f"cloudwatch://{self.group}/{stream}?t={first_ms}", data=data)
