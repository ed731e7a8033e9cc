"""Where invocation logs live in a bucket, and which prefixes to list (pure).

Bedrock writes ``{prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/``.
Listing per account/region, then per hour folder (or from the first hour folder on, with
``StartAfter``), keeps a time window from listing the whole bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bedrock_logbook.ingest.objects import LOG_KEY_RE
from bedrock_logbook.ingest.sources.errors import SourceUsageError
from bedrock_logbook.ingest.sources.window import HOUR, TimeWindow, floor_hour, hours_between

LOGS_DIR = "BedrockModelInvocationLogs"
# Records are delivered after they happen and may land in the next hour's folder, so a window
# ending at T also reads the folder of the hour after T.
DELIVERY_SLACK = HOUR
# Up to this many hour folders a window is listed hour by hour; beyond, in one listing.
MAX_HOUR_PREFIXES = 48

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-_]{1,254}$")
_REGION_ROOT_RE = re.compile(
    r"^(?P<root>(?:.*/)?AWSLogs/)"
    r"(?:(?P<account>[^/]+)/(?:" + LOGS_DIR + r"/(?:(?P<region>[^/]+)/)?)?)?$"
)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending without a leading slash

    def uri(self, key: str | None = None) -> str:
        return f"s3://{self.bucket}/{self.prefix if key is None else key}"


def parse_s3_uri(uri: str) -> S3Location:
    if not uri.startswith("s3://"):
        raise SourceUsageError(f"expected s3://BUCKET[/PREFIX], got {uri!r}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not _BUCKET_RE.match(bucket):
        raise SourceUsageError(f"not a valid S3 bucket name: {bucket!r} (from {uri!r})")
    return S3Location(bucket, prefix.lstrip("/"))


@dataclass(frozen=True)
class ListingScope:
    """What a URI pins down. With ``deep_prefix`` set the URI points inside the layout (a
    year, a day...) and that prefix is listed as it is; filters still apply to every key."""

    logs_root: str
    account: str | None = None
    region: str | None = None
    deep_prefix: str | None = None


def listing_scope(prefix: str) -> ListingScope:
    if "AWSLogs" not in prefix.split("/"):
        base = prefix.rstrip("/")
        return ListingScope(logs_root=f"{base}/AWSLogs/" if base else "AWSLogs/")
    normalized = prefix if prefix.endswith("/") else prefix + "/"
    m = _REGION_ROOT_RE.match(normalized)
    if m is None or not prefix.endswith(("/", "AWSLogs")):
        root = prefix[: prefix.index("AWSLogs") + len("AWSLogs/")]
        return ListingScope(logs_root=root, deep_prefix=prefix)
    return ListingScope(m.group("root"), m.group("account"), m.group("region"))


def region_root(logs_root: str, account: str, region: str) -> str:
    return f"{logs_root}{account}/{LOGS_DIR}/{region}/"


@dataclass(frozen=True)
class ListSpec:
    """One paginated listing: keys under ``prefix`` after ``start_after`` and before
    ``stop_at`` (keys sort chronologically inside a region root: YYYY/MM/DD/HH/)."""

    prefix: str
    start_after: str = ""
    stop_at: str = ""


def list_specs(root: str, window: TimeWindow, now: datetime) -> list[ListSpec]:
    """Listings under a region root that cover the window's hour folders.

    A short window is listed hour folder by hour folder; a long or open-ended one is one
    listing that starts at the first hour folder (``StartAfter``) and stops after the last.
    """
    if window.start is None:
        return [ListSpec(root)]
    first = floor_hour(window.start)
    if window.end is None:
        return [ListSpec(root, start_after=f"{root}{first:%Y/%m/%d/%H}/")]
    hours = hours_between(first, window.end + DELIVERY_SLACK)
    if len(hours) <= MAX_HOUR_PREFIXES:
        return [ListSpec(f"{root}{h:%Y/%m/%d/%H}/") for h in hours]
    return [ListSpec(root, start_after=f"{root}{first:%Y/%m/%d/%H}/",
                     stop_at=f"{root}{hours[-1] + HOUR:%Y/%m/%d/%H}/")]


@dataclass(frozen=True)
class LogKey:
    account: str
    region: str
    folder_hour: datetime


def parse_log_key(key: str) -> LogKey | None:
    m = LOG_KEY_RE.search(key)
    if m is None:
        return None
    hour = datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["h"]), tzinfo=UTC)
    return LogKey(m["account"], m["region"], hour)


def folder_in_window(folder_hour: datetime, window: TimeWindow) -> bool:
    if window.start is not None and folder_hour < floor_hour(window.start):
        return False
    return window.end is None or folder_hour < window.end + DELIVERY_SLACK


def lookback_start(watermark: datetime, lookback_hours: int) -> datetime:
    return watermark - timedelta(hours=lookback_hours)
