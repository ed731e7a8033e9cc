"""List the invocation-log objects a run should read, with the ``list_objects_v2`` paginator.

Accounts and regions are discovered with delimiter listings (cheap: one page each), then only
the hour or day folders inside the time window are listed. Without a window, a region with a
folder watermark (the newest hour folder a committed run saw) is re-listed from
``watermark − lookback``: late objects in recent old folders are still found, old history is
not listed again. A region without a watermark is listed whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bedrock_logbook.ingest.objects import SkippedObject, skip_reason
from bedrock_logbook.ingest.sources.s3_keys import (
    LOGS_DIR,
    ListSpec,
    S3Location,
    folder_in_window,
    list_specs,
    listing_scope,
    lookback_start,
    parse_log_key,
    region_root,
)
from bedrock_logbook.ingest.sources.s3_reading import ListedObject
from bedrock_logbook.ingest.sources.window import TimeWindow, iso, parse_iso

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ListObjectsV2OutputTypeDef, ObjectTypeDef

DEFAULT_LOOKBACK_HOURS = 6
WATERMARK_PREFIX = "folders:"


def watermark_key(bucket: str, root: str) -> str:
    """``source_state`` key of a region root's folder watermark."""
    return f"{WATERMARK_PREFIX}s3://{bucket}/{root}"


@dataclass(frozen=True)
class ListingRequest:
    location: S3Location
    window: TimeWindow = TimeWindow()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS
    full: bool = False  # ignore folder watermarks: list every folder (already-read keys still skip)


@dataclass
class Listing:
    to_read: list[ListedObject] = field(default_factory=list)
    skipped: list[SkippedObject] = field(default_factory=list)
    already_ingested: int = 0
    outside_filters: int = 0
    prefixes_listed: list[str] = field(default_factory=list)
    list_requests: int = 0
    # Newest hour folder seen per region root, as source_state entries for the run to commit.
    watermarks: dict[str, str] = field(default_factory=dict)


class S3Lister:
    def __init__(self, client: S3Client, now: datetime) -> None:
        self.client = client
        self.now = now
        self.list_requests = 0

    def pages(
        self, bucket: str, prefix: str, *, delimiter: str = "", start_after: str = ""
    ) -> Iterator[ListObjectsV2OutputTypeDef]:
        paginator = self.client.get_paginator("list_objects_v2")
        if delimiter:
            pages = paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter=delimiter)
        elif start_after:
            pages = paginator.paginate(Bucket=bucket, Prefix=prefix, StartAfter=start_after)
        else:
            pages = paginator.paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            self.list_requests += 1
            yield page

    def objects(self, bucket: str, spec: ListSpec) -> Iterator[ObjectTypeDef]:
        for page in self.pages(bucket, spec.prefix, start_after=spec.start_after):
            for item in page.get("Contents", []):
                if spec.stop_at and item["Key"] >= spec.stop_at:
                    return  # keys are sorted: the rest of the listing is past the window
                yield item

    def child_names(self, bucket: str, prefix: str) -> list[str]:
        names: list[str] = []
        for page in self.pages(bucket, prefix, delimiter="/"):
            for cp in page.get("CommonPrefixes", []):
                names.append(cp["Prefix"][len(prefix) :].rstrip("/"))
        return sorted(names)

    def list_objects(
        self,
        req: ListingRequest,
        ingested: Mapping[str, str],
        source_state: Mapping[str, str],
    ) -> Listing:
        loc = req.location
        scope = listing_scope(loc.prefix)
        out = Listing()
        plan: list[tuple[ListSpec, TimeWindow]] = []
        if scope.deep_prefix is not None:
            plan.append((ListSpec(scope.deep_prefix), req.window))
        else:
            for root in self._region_roots(loc.bucket, scope.logs_root, scope.account,
                                           scope.region, req):
                window = self._window_for(req, source_state.get(watermark_key(loc.bucket, root)))
                plan.extend((spec, window) for spec in list_specs(root, window, self.now))
        seen: set[str] = set()
        newest: dict[str, datetime] = {}
        for spec, window in plan:
            out.prefixes_listed.append(spec.start_after or spec.prefix)
            for item in self.objects(loc.bucket, spec):
                key = item["Key"]
                if key not in seen:
                    seen.add(key)
                    self._classify(loc, item, window, req, ingested, out, newest)
        out.list_requests = self.list_requests
        for root, hour in newest.items():
            wm_key = watermark_key(loc.bucket, root)
            old = source_state.get(wm_key)
            if old is None or parse_iso(old) < hour:
                out.watermarks[wm_key] = iso(hour)
        return out

    def _window_for(self, req: ListingRequest, watermark: str | None) -> TimeWindow:
        if req.window.bounded or req.full or watermark is None:
            return req.window
        return TimeWindow(lookback_start(parse_iso(watermark), req.lookback_hours), None)

    def _region_roots(
        self,
        bucket: str,
        logs_root: str,
        account: str | None,
        region: str | None,
        req: ListingRequest,
    ) -> list[str]:
        accounts = [account] if account else (
            list(req.accounts) or self.child_names(bucket, logs_root)
        )
        if account and req.accounts and account not in req.accounts:
            return []
        roots: list[str] = []
        for acct in accounts:
            regions: Sequence[str]
            if region:
                regions = [region] if not req.regions or region in req.regions else []
            else:
                regions = req.regions or self.child_names(bucket, f"{logs_root}{acct}/{LOGS_DIR}/")
            roots.extend(region_root(logs_root, acct, r) for r in regions)
        return roots

    @staticmethod
    def _classify(
        loc: S3Location,
        item: Mapping[str, object],
        window: TimeWindow,
        req: ListingRequest,
        ingested: Mapping[str, str],
        out: Listing,
        newest: dict[str, datetime],
    ) -> None:
        key = str(item["Key"])
        reason = skip_reason(key)
        parsed = parse_log_key(key) if reason is None else None
        if reason is None and parsed is None:
            reason = "outside_log_layout"
        if reason is not None or parsed is None:
            out.skipped.append(SkippedObject(loc.uri(key), reason or "outside_log_layout"))
            return
        if (req.accounts and parsed.account not in req.accounts) or (
            req.regions and parsed.region not in req.regions
        ) or not folder_in_window(parsed.folder_hour, window):
            out.outside_filters += 1
            return
        root = key[: key.index(f"{parsed.account}/{LOGS_DIR}/")] + \
            f"{parsed.account}/{LOGS_DIR}/{parsed.region}/"
        if root not in newest or newest[root] < parsed.folder_hour:
            newest[root] = parsed.folder_hour
        obj = ListedObject(loc.bucket, key, int(str(item.get("Size", 0))),
                           str(item.get("ETag", "")).strip('"'))
        if ingested.get(obj.uri) == obj.fingerprint:
            out.already_ingested += 1
        else:
            out.to_read.append(obj)
