"""Object bytes → records: gzip or plain, NDJSON or (for .json files) one JSON document.

Pure: takes bytes, returns rows and quarantine entries. Bounded memory whatever the input:
gzip members are decompressed a chunk at a time and split into lines with a cap on a line's
length, arrays are walked item by item, and each object keeps at most
``MAX_QUARANTINE_PER_OBJECT`` quarantine entries (the rest are counted in one folded entry).
Every byte is accounted for: gzip members follow one another, bytes after the last member
are read as plain lines, and a corrupt or cut stream keeps every whole line before the damage
and quarantines the rest as one entry.
"""

from __future__ import annotations

import gc
import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from bedrock_logbook.ingest.dedupe import CONTENT_COLUMNS
from bedrock_logbook.ingest.fast_rows import block_rows, decode_block
from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.parse import (
    MAX_LINE_BYTES,
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
UTF8_BOM = b"\xef\xbb\xbf"
# Lines that are only JSON-array punctuation: tolerated, not counted (log-format.md §1.3).
_BLANK_OR_PUNCTUATION = {b"", b"[", b"]", b",", b"],", b"[,"}
CHUNK_BYTES = 1 << 20  # decompressed bytes handled at a time
MAX_QUARANTINE_PER_OBJECT = 1_000
# A .json file is read whole to tell one document from an array from JSON lines; above this
# size it is read as JSON lines.
MAX_DOCUMENT_BYTES = 32 << 20
ENVELOPE_MAX_CHARS = 128


@dataclass
class Decompressed:
    data: bytes
    truncated: bool = False
    error: str | None = None


def decompress(data: bytes) -> Decompressed:
    """Gunzip every member in one buffer (for small bodies); bytes after the last member are
    kept as they are; on a cut-off or corrupt stream keep what came out before it."""
    out: list[bytes] = []
    for piece in _pieces(data):
        if isinstance(piece, _Damage):
            return Decompressed(b"".join(out), truncated=True, error=piece.error)
        out.append(piece)
    return Decompressed(b"".join(out))


@dataclass(frozen=True)
class _Damage:
    """Where a gzip stream stops being readable."""

    error: str
    reason: str


def _plain(data: bytes | memoryview) -> Iterator[bytes]:
    view = memoryview(data)
    for i in range(0, len(view), CHUNK_BYTES):
        yield view[i:i + CHUNK_BYTES].tobytes()


def _pieces(data: bytes) -> Iterator[bytes | _Damage]:
    """The object's bytes decompressed, at most ``CHUNK_BYTES`` at a time: gzip members one
    after another, then whatever follows the last member as plain bytes; a ``_Damage`` last
    if a member is corrupt or cut."""
    rest: bytes = data
    if not rest.startswith(GZIP_MAGIC):
        yield from _plain(rest)
        return
    while rest:
        if not rest.startswith(GZIP_MAGIC):
            yield from _plain(rest)  # plain lines (or garbage) after the last member
            return
        d = isal_zlib.decompressobj(wbits=31)
        tail = rest
        done = 0
        try:
            while not d.eof:
                out = d.decompress(tail, CHUNK_BYTES)
                if out:
                    done += len(out)
                    yield out
                elif not d.unconsumed_tail and not d.eof:
                    # No input left and nothing came out: the member is cut short.
                    left = d.flush()
                    if left:
                        yield left
                    yield _Damage("gzip stream ends early", "truncated_gzip")
                    return
                tail = d.unconsumed_tail
        except Exception as e:  # isal_zlib.error is untyped; it is an Exception subclass
            yield from _replay(rest, done)
            yield _Damage(f"corrupt gzip ({type(e).__name__})", "corrupt_gzip")
            return
        rest = d.unused_data


def _replay(member: bytes, skip: int) -> Iterator[bytes]:
    """What a damaged member holds before the damage, past the ``skip`` bytes already given.

    The fast decompressor loses the output of the call that fails (up to a chunk); the
    standard one, fed a few compressed bytes at a time, loses only those few bytes' worth.
    """
    d = zlib.decompressobj(wbits=31)
    seen = 0
    try:
        for i in range(0, len(member), 256):
            out = d.decompress(member[i:i + 256])
            if seen + len(out) > skip:
                yield out[max(0, skip - seen):]
            seen += len(out)
            if d.eof:
                return
    except zlib.error:
        return


@dataclass(frozen=True)
class _TooLong:
    line_no: int
    offset: int


@dataclass(frozen=True)
class _Block:
    """Whole lines (the last may lack its newline) starting at ``line_no`` and ``offset``."""

    line_no: int
    offset: int
    data: bytes
    lines: int  # how many lines ``data`` holds (counted once, here)


@dataclass(frozen=True)
class _Cut:
    """The partial line left when the stream broke, and why."""

    line_no: int
    offset: int
    data: bytes
    damage: _Damage


def _blocks(pieces: Iterator[bytes | _Damage]) -> Iterator[_Block | _TooLong | _Cut]:
    """Decompressed pieces → blocks of whole lines, in bounded memory.

    A line longer than ``MAX_LINE_BYTES`` is skipped up to its newline and reported as
    ``_TooLong``; runs of blank lines (a newline bomb) are counted, not split.
    """
    line_no, offset = 1, 0  # of the line that starts at ``pending``
    pending = b""
    too_long: int | None = None  # bytes of an over-long line skipped so far
    first = True
    for piece in pieces:
        if isinstance(piece, _Damage):
            yield _Cut(line_no, offset, pending if too_long is None else b"", piece)
            return
        if first and piece:
            first = False
            if piece.startswith(UTF8_BOM):  # an encoding mark, not part of a record
                piece = piece[len(UTF8_BOM):]
                offset += len(UTF8_BOM)
        if too_long is not None:
            nl = piece.find(b"\n")
            if nl < 0:
                too_long += len(piece)
                continue
            yield _TooLong(line_no, offset)
            line_no, offset = line_no + 1, offset + too_long + nl + 1
            too_long, piece = None, piece[nl + 1:]
        last = piece.rfind(b"\n")
        if last < 0:
            if len(pending) + len(piece) > MAX_LINE_BYTES:
                too_long, pending = len(pending) + len(piece), b""
            else:
                pending += piece
            continue
        # One copy, not two (a slice, then the concatenation): fresh megabyte buffers cost
        # page faults on this machine (~2 us a record measured for the two).
        block = b"".join((pending, memoryview(piece)[:last + 1]))
        pending = piece[last + 1:]
        newlines = _count_newlines(block)
        if not block.isspace():
            yield _Block(line_no, offset, block, newlines)
        line_no += newlines
        offset += len(block)
    if too_long is not None:
        yield _TooLong(line_no, offset)
    elif pending and not pending.isspace():
        yield _Block(line_no, offset, pending, pending.count(b"\n") + 1)


def _count_newlines(data: bytes) -> int:
    """``data.count(b"\n")``, vectorised: the byte-at-a-time count cost ~1.7 us a record."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE))


_NEWLINE = ord("\n")


@dataclass
class QuarantineEntry:
    """One quarantined line (or object). Without --keep-bodies nothing of the line's text is
    kept: only where it is, why, a salted fingerprint of its bytes and the envelope fields
    that are not prompt or response; ``detail`` never quotes field contents."""

    source: str
    source_line: int | None
    reason: str
    detail: str
    request_id: str | None
    raw: str | None  # the line as read, only with --keep-bodies
    byte_offset: int | None = None
    line_fp: str | None = None
    envelope: str | None = None
    folded_lines: int | None = None  # set on the one entry standing for folded lines

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
    # Each row's 64-bit content digest (``dedupe.content_digests``): tells a conflicting
    # duplicate from a plain repeat.
    digests: list[int] = field(default_factory=list)
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    # Quarantined lines over an object's cap, by reason: counted, stored as one entry each.
    folded: Counter[str] = field(default_factory=Counter)
    staged: str | None = None  # where the pipeline parked ``table``'s rows
    objects: int = 0
    lines: int = 0
    bytes_in: int = 0
    bytes_uncompressed: int = 0


class _Envelope(msgspec.Struct):
    """Top-level fields that say which call a line was, never what was said in it."""

    timestamp: Any = None
    accountId: Any = None
    region: Any = None
    operation: Any = None
    modelId: Any = None
    schemaVersion: Any = None
    errorCode: Any = None


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_ID_LIKE = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def _envelope(line: bytes) -> str | None:
    try:
        env = _envelope_decoder.decode(line)
    except Exception:  # noqa: BLE001 - best effort on a line already known to be bad
        return None
    kept = {
        k: v for k, v in msgspec.structs.asdict(env).items()
        if (type(v) is str and len(v) <= ENVELOPE_MAX_CHARS) or type(v) in (int, float)
    }
    return msgspec.json.encode(kept).decode() if kept else None


def _id_like(value: str | None) -> str | None:
    """A request ID as IDs look; anything else may be text from a body, so it is dropped."""
    return value if value is not None and _ID_LIKE.fullmatch(value) else None


class _ObjectQuarantine:
    """One object's quarantine entries, at most ``MAX_QUARANTINE_PER_OBJECT`` stored; the
    rest are counted by reason and stored as one ``folded`` entry."""

    def __init__(self, uri: str, options: ParseOptions, batch: ParsedBatch) -> None:
        self.uri = uri
        self.options = options
        self.batch = batch
        self.stored = 0
        self.folded: Counter[str] = Counter()

    def add(self, line_no: int | None, offset: int | None, line: bytes | None, reason: str,
            detail: str, request_id: str | None = None) -> None:
        if self.stored >= MAX_QUARANTINE_PER_OBJECT:
            self.folded[reason] += 1
            return
        self.stored += 1
        if line is not None and request_id is None:
            request_id = peek_request_id(line[:4096])
        self.batch.quarantine.append(QuarantineEntry(
            self.uri, line_no, reason, detail, _id_like(request_id),
            _raw_text(line) if self.options.keep_bodies and line is not None else None,
            offset,
            None if line is None else hashlib.sha256(self.options.salt + line).hexdigest()[:16],
            None if line is None or len(line) > MAX_LINE_BYTES else _envelope(line),
        ))

    def rejected(self, line_no: int, offset: int, line: bytes, e: Rejected) -> None:
        self.add(line_no, offset, line, e.reason, e.detail, e.request_id)

    def close(self) -> None:
        if not self.folded:
            return
        n = sum(self.folded.values())
        reasons = ", ".join(f"{r} {c}" for r, c in sorted(self.folded.items()))
        self.batch.quarantine.append(QuarantineEntry(
            self.uri, None, "folded",
            f"{n} more quarantined lines of this object, not stored one by one ({reasons})",
            None, None, folded_lines=n))
        self.batch.folded.update(self.folded)


def _raw_text(line: bytes) -> str:
    return line[:MAX_RAW_QUARANTINE].decode("utf-8", "replace")


def _record_line(line: bytes) -> bytes | None:
    """The record on one line, or None for a blank or JSON-array punctuation line."""
    if len(line) <= 3 and line.strip() in _BLANK_OR_PUNCTUATION:
        return None
    if line.isspace():
        return None
    if line.endswith((b",", b",\r")) and line.lstrip().startswith(b"{"):
        return line.rstrip()[:-1]  # one record per line of a JSON array
    return line


def _parse_block(block: _Block, uri: str, options: ParseOptions,
                 rows: list[tuple[Any, ...]], q: _ObjectQuarantine) -> int:
    """The records of a block of whole lines; returns how many lines were records."""
    text = block.data
    n_lines = block.lines
    typed = decode_block(text)
    if typed is not None and len(typed) == n_lines:
        # The fast path: every line is a record of the documented types, decoded in one
        # call; a record it cannot settle goes the general way, in its place.
        split: list[bytes] | None = None
        offsets: list[int] = []
        line_no = block.line_no
        for i, row in enumerate(block_rows(typed, options, uri, line_no)):
            if row is not None:
                rows.append(row)
                continue
            if split is None:
                split = text.split(b"\n")
                offsets = _offsets(split, block.offset)
            try:
                rows.append(parse_line(split[i], options, uri, line_no + i))
            except Rejected as e:
                q.rejected(line_no + i, offsets[i], split[i], e)
        return n_lines
    records = decode_records(text)
    if records is not None and len(records) == n_lines:
        # The fast path: every line is a record, decoded in one call.
        split = None
        for i, rec in enumerate(records):
            try:
                rows.append(guarded_row(rec, options, uri, block.line_no + i))
            except Rejected as e:
                if split is None:
                    split = text.split(b"\n")
                    offsets = _offsets(split, block.offset)
                q.rejected(block.line_no + i, offsets[i], split[i], e)
        return len(records)
    count = 0
    offset = block.offset
    for k, raw in enumerate(text.split(b"\n")):
        line = _record_line(raw)
        if line is not None:
            count += 1
            line_no = block.line_no + k
            try:
                rows.append(parse_line(line, options, uri, line_no))
            except Rejected as e:
                q.rejected(line_no, offset, line, e)
        offset += len(raw) + 1
    return count


def _offsets(lines: list[bytes], start: int) -> list[int]:
    out = []
    for line in lines:
        out.append(start)
        start += len(line) + 1
    return out


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _blank_string(m: re.Match[bytes]) -> bytes:
    return b'"' + b" " * (m.end() - m.start() - 2) + b'"'


def _array_items(doc: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of each item of a valid JSON array, without building the items.

    Vectorized: strings are blanked (their brackets and commas are text), then the nesting
    depth at every byte is a cumulative sum, and the items end at the commas of depth 1.
    (The document decoded, so its depth is below msgspec's limit and fits int16.)
    """
    skeleton = np.frombuffer(_JSON_STRING.sub(_blank_string, doc), dtype=np.uint8)
    step = (np.isin(skeleton, _OPENERS).astype(np.int16)
            - np.isin(skeleton, _CLOSERS).astype(np.int16))
    depth = np.cumsum(step, dtype=np.int16)
    end = int(np.argmax(depth == 0))  # the array's closing bracket
    commas = np.flatnonzero((skeleton[:end] == 0x2C) & (depth[:end] == 1))
    del skeleton, step, depth
    start = 1
    for stop in [*commas.tolist(), end]:
        item = doc[start:stop]
        stripped = item.strip()
        if stripped or stop != end:
            yield start + len(item) - len(item.lstrip()), stripped
        start = stop + 1


_OPENERS = np.array([0x5B, 0x7B], dtype=np.uint8)
_CLOSERS = np.array([0x5D, 0x7D], dtype=np.uint8)


_KEYLESS = {
    True: ("not_an_invocation_log", "no schemaType, operation or modelId: not a "
           "model-invocation log record"),
    False: ("not_a_record", "not a ModelInvocationLog object: not a JSON object"),
}


def _parse_document(obj: RawObject, options: ParseOptions, rows: list[tuple[Any, ...]],
                    q: _ObjectQuarantine) -> tuple[int, int] | None:
    """A .json file holding one record or an array of records: (records, decompressed
    bytes); None when it is neither (or too large, or damaged): it is then read as JSON
    lines."""
    parts: list[bytes] = []
    size = 0
    for piece in _pieces(obj.data):
        if isinstance(piece, _Damage):
            return None
        size += len(piece)
        if size > MAX_DOCUMENT_BYTES:
            return None
        parts.append(piece)
    text = b"".join(parts)
    del parts
    base = len(UTF8_BOM) if text.startswith(UTF8_BOM) else 0
    doc = text[base:].strip()
    base += len(text[base:]) - len(text[base:].lstrip())
    if not doc.startswith((b"{", b"[")):
        return None
    try:
        msgspec.json.decode(doc, type=msgspec.Raw)  # valid JSON? (builds nothing)
    except Exception:  # noqa: BLE001 - DecodeError, RecursionError, UnicodeDecodeError
        return None
    items = [(0, doc)] if doc.startswith(b"{") else _array_items(doc)
    count = 0
    for i, (offset, item) in enumerate(items, start=1):
        count += 1
        if b'"' not in item:  # no key, so no record: settled without decoding (array bombs)
            q.add(i, base + offset, item, *_KEYLESS[item[:1] == b"{"])
            continue
        try:
            rows.append(parse_line(item, options, obj.uri, i))
        except Rejected as e:
            q.rejected(i, base + offset, item, e)
    return count, len(text)


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
    batch.table, columns = _to_table(rows, batch.quarantine)
    del rows
    batch.by_date = _by_date(columns[_TS_INDEX])
    batch.keys = dedupe_keys(columns[0], batch.table.column(0))
    batch.digests = _content_digests(columns)
    return batch


# ``dedupe.content_digests`` over the Python values the table was built from, rather than
# values read back from Arrow (``to_pylist`` cost as much as the digests): the same values,
# so the same digests (tests/core/test_parse_golden.py checks both).
_CONTENT_INDEXES = [INVOCATIONS_SCHEMA.names.index(n) for n in CONTENT_COLUMNS]


def _content_digests(columns: list[list[Any]]) -> list[int]:
    # One reused encoder and local names: ~12% off this loop (it runs once per row).
    encode = _msgpack_encoder.encode
    blake2b = hashlib.blake2b
    from_bytes = int.from_bytes
    return [
        from_bytes(blake2b(encode(row), digest_size=8).digest(), "little") | 1
        for row in zip(*(columns[i] for i in _CONTENT_INDEXES), strict=True)
    ]


_msgpack_encoder = msgspec.msgpack.Encoder()


_MICROS_PER_DAY = 86_400_000_000


def _by_date(micros: list[int]) -> dict[str, list[int]]:
    """Row indices of each UTC date, from the timestamps in microseconds."""
    by_day: dict[int, list[int]] = {}
    for i, t in enumerate(micros):
        day = t // _MICROS_PER_DAY
        try:
            by_day[day].append(i)
        except KeyError:
            by_day[day] = [i]
    return {(_EPOCH + timedelta(days=day)).date().isoformat(): idx
            for day, idx in by_day.items()}


def dedupe_keys(request_ids: list[str], ids: pa.ChunkedArray | None = None) -> list[bytes]:
    """``dedupe_key`` of each ID: canonical UUIDs (nearly all) unhexed in one call. ``ids``,
    the same IDs as an Arrow column, lets Arrow's regex kernel check a batch of only
    canonical UUIDs (the usual one) at once instead of once per ID in Python."""
    if (ids is not None and request_ids
            and pc.all(pc.match_substring_regex(ids, _CANONICAL_UUID_ANCHORED)).as_py()):
        packed = bytes.fromhex("".join(request_ids).replace("-", ""))
        return [packed[i:i + 16] for i in range(0, len(packed), 16)]
    canonical = [len(r) == 36 and _CANONICAL_UUID.fullmatch(r) is not None
                 for r in request_ids]
    packed = bytes.fromhex("".join(r for r, c in zip(request_ids, canonical, strict=True)
                                   if c).replace("-", ""))
    keys: list[bytes] = []
    at = 0
    for r, c in zip(request_ids, canonical, strict=True):
        if c:
            keys.append(packed[at:at + 16])
            at += 16
        else:
            keys.append(hashlib.blake2b(r.encode(), digest_size=16).digest())
    return keys


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The same pattern for RE2, whose ``$`` is the end of the text (as ``fullmatch``).
_CANONICAL_UUID_ANCHORED = f"^{_CANONICAL_UUID.pattern}$"


def dedupe_key(request_id: str) -> bytes:
    """16 bytes that stand for a whole request ID: a canonical (lower-case, 8-4-4-4-12) UUID
    as its own 16 bytes, any other ID as its BLAKE2b-128 (collisions: ~2^-64 at 2^32 IDs).

    Only the canonical form is packed, so IDs that differ by hyphen position or letter case
    never share a key. Half the memory of the string in the dedupe set, and cheap to send
    between processes.
    """
    if len(request_id) == 36 and _CANONICAL_UUID.fullmatch(request_id):
        return bytes.fromhex(request_id.replace("-", ""))
    return hashlib.blake2b(request_id.encode(), digest_size=16).digest()


def _parse_into(obj: RawObject, options: ParseOptions, rows: list[tuple[Any, ...]],
                batch: ParsedBatch) -> None:
    q = _ObjectQuarantine(obj.uri, options, batch)
    document = _parse_document(obj, options, rows, q) if obj.layout == "auto" else None
    lines, size = document or (0, 0)
    if document is None:

        def counted() -> Iterator[bytes | _Damage]:
            nonlocal size
            for piece in _pieces(obj.data):
                if not isinstance(piece, _Damage):
                    size += len(piece)
                yield piece

        for item in _blocks(counted()):
            if isinstance(item, _Block):
                lines += _parse_block(item, obj.uri, options, rows, q)
            elif isinstance(item, _TooLong):
                lines += 1
                q.add(item.line_no, item.offset, None, "line_too_long",
                      f"line longer than {MAX_LINE_BYTES} bytes, skipped unread")
            else:
                lines += 1
                q.add(item.line_no, item.offset, item.data, item.damage.reason,
                      f"{item.damage.error}: the lines before it were read, the rest of the "
                      "object could not be")
    q.close()
    batch.objects += 1
    batch.lines += lines
    batch.bytes_in += len(obj.data)
    batch.bytes_uncompressed += size


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TS_INDEX = INVOCATIONS_SCHEMA.names.index("ts")
# Bodies are NULL unless --keep-bodies: no need to convert thousands of Nones.
_BODY_INDEXES = frozenset(INVOCATIONS_SCHEMA.names.index(n)
                          for n in ("input_body_json", "output_body_json"))


def _to_table(rows: list[tuple[Any, ...]], quarantine: list[QuarantineEntry]
              ) -> tuple[pa.Table, list[list[Any]]]:
    """Rows → Arrow table, and its columns as Python values (timestamps in microseconds).
    Should a value slip past the parser's checks and not fit its column, the rows that do
    not fit are found one by one and quarantined (and removed from ``rows``): one odd value
    never costs the batch."""
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


def _arrow_table(rows: list[tuple[Any, ...]]) -> tuple[pa.Table, list[list[Any]]]:
    if not rows:
        return INVOCATIONS_SCHEMA.empty_table(), [[] for _ in INVOCATIONS_SCHEMA]
    columns: list[Any] = list(zip(*rows, strict=True))
    # Aware datetimes would make pyarrow import pandas (~60 MB per worker): pass integers.
    micros: dict[datetime, int] = {}  # the parser hands out one object per distinct time
    ts_column = []
    for t in columns[_TS_INDEX]:
        try:
            ts_column.append(micros[t])
        except KeyError:
            ts_column.append(micros.setdefault(t, (t - _EPOCH) // _MICROSECOND))
    columns[_TS_INDEX] = ts_column
    arrays = [
        pa.array(col, type=pa.int64()).cast(f.type) if i == _TS_INDEX
        else pa.nulls(len(col), f.type) if i in _BODY_INDEXES and not any(col)
        else pa.array(col, type=f.type)
        for i, (col, f) in enumerate(zip(columns, INVOCATIONS_SCHEMA, strict=True))
    ]
    return pa.Table.from_arrays(arrays, schema=INVOCATIONS_SCHEMA), columns
