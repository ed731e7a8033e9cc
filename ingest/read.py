"""Object bytes → records: gzip or plain, NDJSON or (for .json files) one JSON document.

Pure: takes bytes, returns rows and quarantine entries. A truncated gzip keeps every whole
line before the cut and quarantines the unreadable rest, so nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import pyarrow as pa
from isal import isal_zlib

from ingest.objects import RawObject
from ingest.parse import MAX_RAW_QUARANTINE, ParseOptions, Rejected, parse_line, peek_request_id
from ingest.schema import INVOCATIONS_SCHEMA

GZIP_MAGIC = b"\x1f\x8b"
# Lines that are only JSON-array punctuation: tolerated, not counted (log-format.md §1.3).
_PUNCTUATION = {b"[", b"]", b",", b"],", b"[,"}


@dataclass
class Decompressed:
    data: bytes
    truncated: bool = False
    error: str | None = None


def decompress(data: bytes) -> Decompressed:
    """Gunzip every member; on a cut-off or corrupt stream keep what came out before it."""
    if not data.startswith(GZIP_MAGIC):
        return Decompressed(data)
    out: list[bytes] = []
    rest = data
    while rest.startswith(GZIP_MAGIC):
        d = isal_zlib.decompressobj(wbits=31)
        try:
            out.append(d.decompress(rest))
        except Exception as e:  # isal_zlib.error is untyped; it is an Exception subclass
            return Decompressed(b"".join(out), truncated=True, error=f"corrupt gzip: {e}")
        if not d.eof:
            out.append(d.flush())
            return Decompressed(b"".join(out), truncated=True, error="gzip stream ends early")
        rest = d.unused_data
    return Decompressed(b"".join(out))


@dataclass
class QuarantineEntry:
    source: str
    source_line: int | None
    reason: str
    detail: str
    request_id: str | None
    raw: str | None

    def as_row(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class ParsedObject:
    uri: str
    table: pa.Table
    dates: list[str]  # partition of each row, aligned with ``table``
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    lines: int = 0
    bytes_in: int = 0
    bytes_uncompressed: int = 0


def _lines(text: bytes, layout: str) -> Iterator[tuple[int, bytes]]:
    """(line number, record bytes). A .json file may hold one document or an array."""
    if layout == "auto":
        stripped = text.strip()
        if stripped.startswith((b"{", b"[")):
            try:
                doc = msgspec.json.decode(stripped)
            except msgspec.DecodeError:
                doc = None  # not one document: read it as JSON lines below
            if isinstance(doc, dict):
                yield 1, stripped
                return
            if isinstance(doc, list):
                for i, item in enumerate(doc, start=1):
                    yield i, msgspec.json.encode(item)
                return
    for n, line in enumerate(text.split(b"\n"), start=1):
        line = line.strip()
        if not line or line in _PUNCTUATION:
            continue
        if line.endswith(b",") and line.startswith(b"{"):
            line = line[:-1]  # one record per line of a JSON array
        yield n, line


def _raw_text(line: bytes) -> str:
    return line[:MAX_RAW_QUARANTINE].decode("utf-8", "replace")


def parse_object(obj: RawObject, options: ParseOptions) -> ParsedObject:
    dec = decompress(obj.data)
    text = dec.data
    last_line = None
    if dec.truncated:
        # The bytes after the last newline are a partial record: quarantine them whole.
        cut = text.rfind(b"\n") + 1
        text, last_line = text[:cut], text[cut:]

    rows: list[tuple[Any, ...]] = []
    quarantine: list[QuarantineEntry] = []
    lines = 0
    line_no = 0
    for line_no, line in _lines(text, obj.layout):
        lines += 1
        try:
            rows.append(parse_line(line, options, obj.uri, line_no))
        except Rejected as e:
            quarantine.append(
                QuarantineEntry(obj.uri, line_no, e.reason, e.detail,
                                e.request_id or peek_request_id(line), _raw_text(line))
            )
    if dec.truncated:
        lines += 1
        quarantine.append(
            QuarantineEntry(
                obj.uri, text.count(b"\n") + 1, "truncated_gzip",
                f"{dec.error}; {lines - 1} whole lines before the cut were read",
                peek_request_id(last_line or b""), _raw_text(last_line or b""),
            )
        )
    return ParsedObject(
        uri=obj.uri, table=_to_table(rows), dates=[_day(row[1]) for row in rows],
        quarantine=quarantine, lines=lines, bytes_in=len(obj.data),
        bytes_uncompressed=len(dec.data),
    )


_day_cache: dict[tuple[int, int, int], str] = {}


def _day(ts: datetime) -> str:
    key = (ts.year, ts.month, ts.day)
    day = _day_cache.get(key)
    if day is None:
        day = _day_cache[key] = ts.date().isoformat()
    return day


def _to_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    if not rows:
        return INVOCATIONS_SCHEMA.empty_table()
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, INVOCATIONS_SCHEMA,
                                                          strict=True)]
    return pa.Table.from_arrays(arrays, schema=INVOCATIONS_SCHEMA)
