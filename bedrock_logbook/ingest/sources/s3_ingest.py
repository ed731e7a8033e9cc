"""One S3 ingest run: lock a local lake, list what is new, download it, feed the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_logbook.ingest import state
from bedrock_logbook.ingest.lake import writer_lock
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.ingest.sources.aws_clients import AwsClients
from bedrock_logbook.ingest.sources.errors import explain_aws_error
from bedrock_logbook.ingest.sources.s3_listing import Listing, ListingRequest, S3Lister
from bedrock_logbook.ingest.sources.s3_reading import ReadStats, S3Reader
from bedrock_logbook.ingest.state import Lake, location_of

SOURCE = "s3"
LIST_NEEDS = "s3:ListBucket on the bucket (prefix condition on the log prefix)"


@dataclass
class S3RunReport:
    listing: Listing
    stats: ReadStats = field(default_factory=ReadStats)
    retries: int = 0
    summary: RunSummary | None = None  # None for a dry run

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "retries": self.retries,
            "already ingested": self.listing.already_ingested,
            "list requests": self.listing.list_requests,
        }
        if self.stats.offloaded_resolved or self.stats.offloaded_failed:
            out["offloaded bodies resolved"] = self.stats.offloaded_resolved
            out["offloaded bodies failed"] = self.stats.offloaded_failed
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": SOURCE,
            "dry_run": self.summary is None,
            "to_read": [o.uri for o in self.listing.to_read],
            "to_read_bytes": sum(o.size for o in self.listing.to_read),
            "already_ingested": self.listing.already_ingested,
            "skipped": len(self.listing.skipped),
            "outside_filters": self.listing.outside_filters,
            "prefixes_listed": self.listing.prefixes_listed,
            "list_requests": self.listing.list_requests,
            "downloaded": self.stats.downloaded,
            "offloaded_resolved": self.stats.offloaded_resolved,
            "offloaded_failed": self.stats.offloaded_failed,
            "retries": self.retries,
            "summary": self.summary.as_dict() if self.summary is not None else None,
        }


def list_s3(lake: Lake, clients: AwsClients, request: ListingRequest, now: datetime) -> Listing:
    """What a run would read (no lock needed: it only reads the lake's state)."""
    try:
        return S3Lister(clients.s3(), now).list_objects(
            request, state.ingested_objects(lake, SOURCE), state.source_state(lake, SOURCE)
        )
    except (ClientError, BotoCoreError) as exc:
        raise explain_aws_error(exc, request.location.uri(), LIST_NEEDS) from exc


def dry_run_s3(
    lake: Lake, clients: AwsClients, request: ListingRequest, now: datetime
) -> S3RunReport:
    listing = list_s3(lake, clients, request, now)
    return S3RunReport(listing, retries=clients.counter.retries)


def ingest_s3(
    lake: Lake,
    clients: AwsClients,
    request: ListingRequest,
    options: IngestOptions,
    now: datetime,
    *,
    resolve_offloaded: bool = False,
) -> S3RunReport:
    """Raises LakeBusyError when another run holds a local lake, SourceError on AWS trouble."""
    lake = location_of(lake)
    with writer_lock(lake):
        listing = list_s3(lake, clients, request, now)
        reader = S3Reader(clients.s3(), clients.counter, workers=max(2, options.workers),
                          resolve_offloaded=resolve_offloaded)
        report = S3RunReport(listing, reader.stats)

        def counters() -> dict[str, Any]:  # called once every object has been read
            report.retries = clients.counter.retries
            return report.extra()

        report.summary = ingest_objects(
            lake,
            reader.read_all(listing.to_read),
            source=SOURCE,
            options=options,
            skipped=listing.skipped,
            source_state=listing.watermarks,
            extra=counters,
        )
    return report
