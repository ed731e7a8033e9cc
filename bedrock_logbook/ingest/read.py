"""Object bytes → records: gzip or plain, NDJSON or (for .json files) one JSON document.

Pure: takes bytes, returns rows and quarantine entries. A truncated gzip keeps every whole
line before the cut and quarantines the unreadable rest, so nothing is silently dropped.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pyarrow as pa
from isal import isal_zlib

from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.parse import (
    MAX_RAW_QUARANTINE,
    ParseOptions,
    Rejected,
    decode_records,
    guarded_row,
    parse_line,
    peek_request_id,
)
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA

GZIP_MAGIC = b"\x1f\x8b"
# Lines that are only JSON-array punctuation: tolerated, not counted (log-format.md §1.3).
_BLANK_OR_PUNCTUATION = {b"", b"[", b"]", b",", b"],", b"[,"}


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
class ParsedBatch:
    """Rows and quarantine entries of one or more consecutive objects, in input order."""

    table: pa.Table
    # Row indices of each date partition, and each row's 16-byte dedupe key (see
    # ``dedupe_key``): computed here, in the worker, to keep the main process light.
    by_date: dict[str, list[int]] = field(default_factory=dict)
    keys: list[bytes] = field(default_factory=list)
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    staged: str | None = None  # where the pipeline parked ``table``'s rows
    objects: int = 0
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
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                doc = None  # not one document: read it as JSON lines below
            if isinstance(doc, dict):
                yield 1, stripped
                return
            if isinstance(doc, list):
                for i, item in enumerate(doc, start=1):
                    yield i, msgspec.json.encode(item)
                return
    for n, line in enumerate(text.split(b"\n"), start=1):
        # No strip(): it would copy every line, and JSON allows the surrounding blanks.
        if len(line) <= 3 and line.strip() in _BLANK_OR_PUNCTUATION:
            continue
        if line.isspace():
            continue
        if line.endswith((b",", b",\r")) and line.lstrip().startswith(b"{"):
            line = line.rstrip()[:-1]  # one record per line of a JSON array
        yield n, line


def _quarantine_line(uri: str, line_no: int, line: bytes, e: Rejected) -> QuarantineEntry:
    return QuarantineEntry(uri, line_no, e.reason, e.detail,
                           e.request_id or peek_request_id(line), _raw_text(line))


def _parse_fast(text: bytes, obj: RawObject, options: ParseOptions,
                rows: list[tuple[Any, ...]], quarantine: list[QuarantineEntry]) -> int | None:
    """Decode a whole well-formed batch in one call; None → use the line-by-line path.

    Only taken when every line is a record (no blank or punctuation lines), so line numbers
    are simply 1..n.
    """
    records = decode_records(text)
    if records is None:
        return None
    if len(records) != text.count(b"\n") + (0 if text.endswith(b"\n") or not text else 1):
        return None
    split: list[bytes] | None = None
    for i, rec in enumerate(records):
        try:
            rows.append(guarded_row(rec, options, obj.uri, i + 1))
        except Rejected as e:
            split = split or text.split(b"\n")
            quarantine.append(_quarantine_line(obj.uri, i + 1, split[i], e))
    return len(records)


def _raw_text(line: bytes) -> str:
    return line[:MAX_RAW_QUARANTINE].decode("utf-8", "replace")


def parse_objects(objects: list[RawObject], options: ParseOptions) -> ParsedBatch:
    """Parse objects into one batch: one Arrow table per batch, not per (often tiny) object."""
    rows: list[tuple[Any, ...]] = []
    batch = ParsedBatch(table=INVOCATIONS_SCHEMA.empty_table())
    # Parsing allocates millions of small objects and makes no reference cycles: the cyclic
    # collector would only rescan them (about 15% of the parse time, measured).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for obj in objects:
            _parse_into(obj, options, rows, batch)
    finally:
        if was_enabled:
            gc.enable()
    batch.table = _to_table(rows, batch.quarantine)
    for i, row in enumerate(rows):
        batch.by_date.setdefault(_day(row[1]), []).append(i)
    batch.keys = [dedupe_key(row[0]) for row in rows]
    return batch


def dedupe_key(request_id: str) -> bytes:
    """16 bytes that stand for a request ID: the UUID itself (exact), else its BLAKE2b-128.

    Half the memory of the string in the dedupe set, and cheap to send between processes.
    """
    if len(request_id) == 36 and request_id[8] == "-":
        try:
            return bytes.fromhex(request_id.replace("-", ""))
        except ValueError:
            pass
    return hashlib.blake2b(request_id.encode(), digest_size=16).digest()


def _parse_into(obj: RawObject, options: ParseOptions, rows: list[tuple[Any, ...]],
                batch: ParsedBatch) -> None:
    dec = decompress(obj.data)
    text = dec.data
    last_line = None
    if dec.truncated:
        # The bytes after the last newline are a partial record: quarantine them whole.
        cut = text.rfind(b"\n") + 1
        text, last_line = text[:cut], text[cut:]
    quarantine = batch.quarantine
    lines = _parse_fast(text, obj, options, rows, quarantine) if obj.layout == "ndjson" else None
    if lines is None:
        lines = 0
        for line_no, line in _lines(text, obj.layout):
            lines += 1
            try:
                rows.append(parse_line(line, options, obj.uri, line_no))
            except Rejected as e:
                quarantine.append(_quarantine_line(obj.uri, line_no, line, e))
    if dec.truncated:
        quarantine.append(
            QuarantineEntry(
                obj.uri, text.count(b"\n") + 1, "truncated_gzip",
                f"{dec.error}; {lines} whole lines before the cut were read",
                peek_request_id(last_line or b""), _raw_text(last_line or b""),
            )
        )
        lines += 1
    batch.objects += 1
    batch.lines += lines
    batch.bytes_in += len(obj.data)
    batch.bytes_uncompressed += len(dec.data)


_day_cache: dict[tuple[int, int, int], str] = {}


def _day(ts: datetime) -> str:
    key = (ts.year, ts.month, ts.day)
    day = _day_cache.get(key)
    if day is None:
        day = _day_cache[key] = ts.date().isoformat()
    return day


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TS_INDEX = INVOCATIONS_SCHEMA.names.index("ts")
# Bodies are NULL unless --keep-bodies: no need to convert thousands of Nones.
_BODY_INDEXES = frozenset(INVOCATIONS_SCHEMA.names.index(n)
                          for n in ("input_body_json", "output_body_json"))


def _to_table(rows: list[tuple[Any, ...]], quarantine: list[QuarantineEntry]) -> pa.Table:
    """Rows → Arrow table. Should a value slip past the parser's checks and not fit its
    column, the rows that do not fit are found one by one and quarantined (and removed from
    ``rows``): one odd value never costs the batch."""
    try:
        return _arrow_table(rows)
    except (pa.ArrowException, OverflowError, ValueError, TypeError):
        pass
    good: list[tuple[Any, ...]] = []
    for row in rows:
        try:
            _arrow_table([row])
        except (pa.ArrowException, OverflowError, ValueError, TypeError) as e:
            quarantine.append(QuarantineEntry(
                row[_SOURCE_INDEX], row[_LINE_INDEX], "unstorable_value",
                f"a value does not fit its lake column ({type(e).__name__})", row[0], None))
        else:
            good.append(row)
    rows[:] = good
    return _arrow_table(rows)


_SOURCE_INDEX = INVOCATIONS_SCHEMA.names.index("source")
_LINE_INDEX = INVOCATIONS_SCHEMA.names.index("source_line")


def _arrow_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    if not rows:
        return INVOCATIONS_SCHEMA.empty_table()
    columns: list[Any] = list(zip(*rows, strict=True))
    # Aware datetimes would make pyarrow import pandas (~60 MB per worker): pass integers.
    columns[_TS_INDEX] = [(t - _EPOCH) // _MICROSECOND for t in columns[_TS_INDEX]]
    arrays = [
        pa.array(col, type=pa.int64()).cast(f.type) if i == _TS_INDEX
        else pa.nulls(len(col), f.type) if i in _BODY_INDEXES and not any(col)
        else pa.array(col, type=f.type)
        for i, (col, f) in enumerate(zip(columns, INVOCATIONS_SCHEMA, strict=True))
    ]
    return pa.Table.from_arrays(arrays, schema=INVOCATIONS_SCHEMA)
