"""Realistic invocation-log objects in Bedrock's real S3 key layout, built from real records."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.shared_data import real_log_paths

BUCKET = "bedrock-logs-test"
PREFIX = "bedrock/invocation-logs"
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "us-west-2")
BASE_HOUR = datetime(2025, 3, 10, 8, tzinfo=UTC)
_NS = uuid.UUID("6f1c7d2e-0000-4000-8000-000000000000")


def templates() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in real_log_paths()]


def make_record(template: dict[str, Any], rid: str, ts: datetime, account: str,
                region: str) -> dict[str, Any]:
    r = copy.deepcopy(template)
    r.update(requestId=rid, timestamp=ts.strftime("%Y-%m-%dT%H:%M:%SZ"), accountId=account,
             region=region)
    return r


def request_id(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "/".join(map(str, parts))))


def region_root(account: str, region: str, prefix: str = PREFIX) -> str:
    return f"{prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/"


def batch_key(account: str, region: str, hour: datetime, n: int, prefix: str = PREFIX) -> str:
    written = hour + timedelta(minutes=5 + n, seconds=7)
    return (f"{region_root(account, region, prefix)}{hour:%Y/%m/%d/%H}/"
            f"{written:%Y%m%dT%H%M%S}{written.microsecond // 1000:03d}Z_{n:016x}.json.gz")


def gz_lines(records: list[dict[str, Any]], extra_lines: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    lines = [json.dumps(r, separators=(",", ":")).encode() for r in records] + list(extra_lines)
    return gzip.compress(b"\n".join(lines) + b"\n", mtime=0)


@dataclass
class LogBucket:
    """Objects (key → bytes) to upload, and the records they hold."""

    objects: dict[str, bytes] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add_batch(self, account: str, region: str, hour: datetime, n: int, count: int = 3,
                  extra_lines: list[bytes] = (), prefix: str = PREFIX) -> str:  # type: ignore[assignment]
        tpl = templates()
        recs = []
        for i in range(count):
            ts = hour + timedelta(minutes=i)
            rid = request_id(account, region, hour.isoformat(), n, i)
            recs.append(make_record(tpl[(n + i) % len(tpl)], rid, ts, account, region))
        key = batch_key(account, region, hour, n, prefix)
        self.objects[key] = gz_lines(recs, extra_lines)
        self.records.extend(recs)
        return key

    def add_offloaded(self, account: str, region: str, hour: datetime, bucket: str = BUCKET
                      ) -> tuple[str, str]:
        """A batch whose one Converse record has its output body offloaded to ``data/``."""
        tpl = next(t for t in templates() if t.get("operation") == "Converse"
                   and "metrics" in t["output"]["outputBodyJson"])
        rid = request_id("offloaded", account, region, hour.isoformat())
        rec = make_record(tpl, rid, hour + timedelta(minutes=30), account, region)
        body = rec["output"].pop("outputBodyJson")
        data_key = f"{region_root(account, region)}{hour:%Y/%m/%d/%H}/data/{rid}_output.json.gz"
        rec["output"]["outputBodyS3Path"] = f"s3://{bucket}/{data_key}"
        self.objects[data_key] = gzip.compress(json.dumps(body).encode(), mtime=0)
        key = batch_key(account, region, hour, 99)
        self.objects[key] = gz_lines([rec])
        self.records.append(rec)
        return key, rid

    def add_noise(self, account: str, region: str, hour: datetime) -> None:
        """What else Bedrock writes under the prefix: payloads, media, the permission check."""
        folder = f"{region_root(account, region)}{hour:%Y/%m/%d/%H}/data/"
        rid = request_id("noise", account, region, hour.isoformat())
        self.objects[f"{folder}{rid}_input.json.gz"] = gzip.compress(b'{"messages":[]}', mtime=0)
        self.objects[f"{folder}{rid}_input_media_00.pdf"] = b"%PDF-1.4 not a log"
        self.objects[f"{PREFIX}/amazon-bedrock-logs-permission-check"] = b""
        self.objects[f"{PREFIX}/AWSLogs/{account}/BedrockModelInvocationLogs/"
                     "amazon-bedrock-logs-permission-check"] = b""

    def write_local(self, root: Path) -> Path:
        """The same objects as local files in the same layout (for the files ingest)."""
        for key, data in self.objects.items():
            p = root / key
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        return root


def standard_bucket() -> LogBucket:
    """2 accounts × 2 regions × 3 hours of batches (36 records) plus noise objects."""
    b = LogBucket()
    for account in ACCOUNTS:
        for region in REGIONS:
            for h in range(3):
                b.add_batch(account, region, BASE_HOUR + timedelta(hours=h), n=h)
            b.add_noise(account, region, BASE_HOUR)
    return b
