"""Write generated records as Bedrock would deliver them to S3 (the IO edge of the generator).

Layout (log-format.md §1.2): gzip NDJSON batch files at
``{out}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
{YYYYMMDD}T{HHMMSSmmm}Z_{16 hex}.json.gz``, grouped by account, region and delivery time, so
records invoked just before an hour boundary land in the next hour's folder; offloaded bodies
and media under ``.../HH/data/``; a permission-check object at the prefix root. Output is
byte-identical for the same arguments (gzip mtime 0, names derived from the seed).

For tests, ``truth`` names a side file (JSON lines, one per generated request, in generation
order) with what really happened to each request (``sample.Truth``); it is written only when
asked, never into the log tree by default.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import msgspec

from bedrock_logbook.ingest.sample import (
    DEFAULT_START,
    Invocation,
    generate_invocations,
    hour_prefix,
)

PERMISSION_CHECK_KEY = "amazon-bedrock-logs-permission-check"
# One batch file per account/region per window of delivery time (windows divide an hour).
DEFAULT_WINDOW_SECONDS = 300
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class WriteSummary:
    records: int = 0  # good records written to readable batch files
    batch_files: int = 0
    payload_objects: int = 0
    bytes_compressed: int = 0  # batch files only
    bytes_uncompressed: int = 0
    bad_lines: int = 0  # malformed lines + records with an unusable timestamp
    truncated_files: int = 0


def write_sample_logs(
    out: Path,
    n: int,
    *,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    hours: int = 72,
    bad_lines: bool = False,
    text_scale: float = 1.0,
    max_records_per_file: int = 1000,
    compresslevel: int = 6,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    truth: Path | None = None,
    latency_field: str = "applied",
) -> WriteSummary:
    """Generate ``n`` records and write them under ``out`` in the S3 delivery layout.

    ``truth``: also write each request's ground truth there (JSON lines).
    """
    if window_seconds <= 0 or 3600 % window_seconds:
        raise ValueError("window_seconds must divide an hour")
    writer = _BatchWriter(out, seed, bad_lines, max_records_per_file, compresslevel,
                          window_seconds)
    writer.write_object(PERMISSION_CHECK_KEY, b"")
    invocations = generate_invocations(n, seed=seed, start=start, hours=hours,
                                       text_scale=text_scale, latency_field=latency_field)
    if truth is None:
        writer.run(invocations)
    else:
        truth.parent.mkdir(parents=True, exist_ok=True)
        with truth.open("wb") as sink:
            writer.run(_tee_truth(invocations, sink))
    if bad_lines:
        writer.write_truncated_file(seed, start, hours)
    return writer.summary


def _tee_truth(invocations: Iterable[Invocation], sink: BinaryIO) -> Iterator[Invocation]:
    encode = msgspec.json.Encoder().encode
    for inv in invocations:
        if inv.truth is not None:
            sink.write(encode(inv.truth.as_dict()) + b"\n")
        yield inv


class _BatchWriter:
    def __init__(self, out: Path, seed: int, bad_lines: bool, max_per_file: int,
                 level: int, window_seconds: int) -> None:
        self.out = out
        self.window_seconds = window_seconds
        self.seed = seed
        self.max_per_file = max_per_file
        self.level = level
        self.encode = msgspec.json.Encoder().encode
        self.delays = random.Random(f"delivery-{seed}")
        self.pending_bad = bad_lines  # inject bad lines into the first batch file
        self.summary = WriteSummary()
        # (account, region, window) -> [(delivery time, line)]
        self.windows: dict[tuple[str, str, int], list[tuple[datetime, bytes]]] = {}
        self.last_batch: tuple[str, str, datetime] | None = None  # account, region, time

    def run(self, invocations: Iterable[Invocation]) -> None:
        for k, inv in enumerate(invocations):
            rec = inv.record
            ts = datetime.strptime(rec["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            delivered = ts + timedelta(milliseconds=self._delay_ms())
            window = int((delivered - _EPOCH).total_seconds()) // self.window_seconds
            key = (rec["accountId"], rec["region"], window)
            self.windows.setdefault(key, []).append((delivered, self.encode(rec)))
            for uri, payload in inv.payloads:
                self._write_payload(uri, payload)
            if k % 500 == 0:  # timestamps only grow, so older windows are complete
                self._flush(before=int((ts - _EPOCH).total_seconds()) // self.window_seconds)
        self._flush(before=None)

    def _delay_ms(self) -> int:
        rng = self.delays
        if rng.random() < 0.05:
            return 120_000 + rng.randrange(240_000)  # a slow delivery
        return 25_000 + rng.randrange(70_000)

    def _flush(self, before: int | None) -> None:
        for key in sorted(k for k in self.windows if before is None or k[2] < before):
            rows = sorted(self.windows.pop(key), key=lambda r: r[0])
            for part, lo in enumerate(range(0, len(rows), self.max_per_file)):
                self._write_batch(key, part, rows[lo : lo + self.max_per_file])

    def _write_batch(self, key: tuple[str, str, int], part: int,
                     rows: list[tuple[datetime, bytes]]) -> None:
        account, region, window = key
        written_at = rows[-1][0]
        lines = [line for _, line in rows]
        self.summary.records += len(lines)
        if self.pending_bad:
            lines = self._inject_bad_lines(lines)
            self.pending_bad = False
        data = b"\n".join(lines) + b"\n"
        digest = hashlib.sha256(f"{self.seed}|{account}|{region}|{window}|{part}".encode())
        folder = hour_prefix(account, region, written_at)
        name = (f"{written_at:%Y%m%dT%H%M%S}{written_at.microsecond // 1000:03d}Z_"
                f"{digest.hexdigest()[:16]}.json.gz")
        blob = gzip.compress(data, compresslevel=self.level, mtime=0)
        self.write_object(f"{folder}/{name}", blob)
        self.last_batch = (account, region, written_at)
        self.summary.batch_files += 1
        self.summary.bytes_compressed += len(blob)
        self.summary.bytes_uncompressed += len(data)

    def _inject_bad_lines(self, lines: list[bytes]) -> list[bytes]:
        """A line cut mid-record and a record whose timestamp cannot be read."""
        text = lines[0].decode()
        cut = text[: len(text) // 2].encode()  # cut on a character, not inside one
        unusable = lines[0].replace(b'"timestamp":"', b'"timestamp":"not-a-time ', 1)
        unusable = unusable.replace(b'"requestId":"', b'"requestId":"bad-ts-', 1)
        self.summary.bad_lines += 2
        return [lines[0], cut, *lines[1:], unusable]

    def write_truncated_file(self, seed: int, start: datetime, hours: int) -> None:
        """A batch whose gzip stream ends early (an interrupted upload or copy)."""
        extra = [self.encode(inv.record) for inv in
                 generate_invocations(20, seed=seed + 1_000_003, start=start, hours=hours)]
        blob = gzip.compress(b"\n".join(extra) + b"\n", compresslevel=self.level, mtime=0)
        digest = hashlib.sha256(f"{seed}|truncated".encode()).hexdigest()[:16]
        account, region, when = self.last_batch or ("000000000000", "us-east-1", start)
        name = f"{when:%Y%m%dT%H%M%S}999Z_{digest}.json.gz"
        folder = hour_prefix(account, region, when)
        self.write_object(f"{folder}/{name}", blob[: len(blob) * 3 // 5])
        self.summary.truncated_files += 1

    def _write_payload(self, uri: str, payload: bytes) -> None:
        key = uri.split("/", 3)[3]  # drop s3://bucket/
        blob = gzip.compress(payload, mtime=0) if key.endswith(".json.gz") else payload
        self.write_object(key, blob)
        self.summary.payload_objects += 1

    def write_object(self, key: str, blob: bytes) -> None:
        path = self.out / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
