"""Put offloaded output bodies back inline (``--resolve-offloaded``).

When a response body is over 100 KB Bedrock writes it to ``…/data/{requestId}_output.json.gz``
and the record carries ``output.outputBodyS3Path`` instead of ``outputBodyJson``; latency and
some token metrics live only in that body. Here the body is fetched and inlined so the
pipeline parses the record as if it had never been offloaded. Pure apart from ``fetch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from bedrock_logbook.ingest.read import decompress


@dataclass
class Inlined:
    data: bytes  # NDJSON (uncompressed) when anything changed, else the input unchanged
    resolved: int = 0
    failed: int = 0


def offloaded_output_path(record: Any) -> str | None:
    """The S3 URI of a record's offloaded output body, when the record lacks it inline."""
    if not isinstance(record, dict):
        return None
    output = record.get("output")
    if not isinstance(output, dict) or "outputBodyJson" in output:
        return None
    path = output.get("outputBodyS3Path")
    return path if isinstance(path, str) and path.startswith("s3://") else None


def decode_body(blob: bytes) -> Any:
    dec = decompress(blob)
    if dec.truncated:
        raise ValueError(dec.error or "truncated body")
    return msgspec.json.decode(dec.data)


def inline_output_bodies(data: bytes, fetch: Callable[[str], bytes | None]) -> Inlined:
    """Inline every offloaded output body that ``fetch`` (S3 URI → bytes or None) can get.

    A truncated or corrupt batch is returned unchanged, so the pipeline quarantines it exactly
    as it would have without this option.
    """
    dec = decompress(data)
    if dec.truncated or b"outputBodyS3Path" not in dec.data:
        return Inlined(data)
    out = Inlined(data)
    lines = dec.data.split(b"\n")
    for i, line in enumerate(lines):
        if b"outputBodyS3Path" not in line:
            continue
        try:
            record = msgspec.json.decode(line)
        except msgspec.DecodeError:
            continue  # the pipeline quarantines it
        path = offloaded_output_path(record)
        if path is None:
            continue
        blob = fetch(path)
        try:
            body = decode_body(blob) if blob is not None else None
        except (ValueError, msgspec.DecodeError):
            body = None
        if body is None:
            out.failed += 1
            continue
        record["output"]["outputBodyJson"] = body
        lines[i] = msgspec.json.encode(record)
        out.resolved += 1
    if out.resolved:
        out.data = b"\n".join(lines)
    return out
