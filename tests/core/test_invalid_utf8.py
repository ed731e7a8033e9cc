"""Invalid UTF-8 in a text value the parser reads is quarantined as ``invalid_utf8`` with the
byte's offset in that value (escapes resolved), whatever msgspec's version: 0.23 reports it
without an offset (ingest/utf8_errors.py recovers it). Text the parser skips unread (unknown
keys, prompt and answer text) does not matter. Expected offsets are counted by hand in the
comments. Passes under msgspec 0.22.0 (native UnicodeDecodeError) and 0.23.0 (recovered); under
0.23.0 without ingest/utf8_errors.py every quarantine case fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_logbook.ingest.parse import ParseOptions, Rejected, parse_line
from tests.core.records import converse, imwrs_anthropic

MARK = "\u00a7"  # stands for the bad byte until the line is bytes


def line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode().replace(MARK.encode(), b"\xff")


def parse(record: dict[str, Any]) -> tuple[Any, ...]:
    return parse_line(line(record), ParseOptions(salt=b"s"), "src", 1)


def with_request_body_key(key: str, value: Any) -> dict[str, Any]:
    rec = converse()
    rec["input"]["inputBodyJson"][key] = value
    return rec


def stream_with_first_chunk(chunk: dict[str, Any]) -> dict[str, Any]:
    rec = imwrs_anthropic()
    rec["output"]["outputBodyJson"][0] = chunk
    return rec


CASES: list[tuple[str, dict[str, Any], int]] = [
    # envelope field: "ab", newline escape (1 byte once resolved), "cd", bad byte -> 5
    ("envelope", converse(operation="ab\ncd" + MARK + "x"), 5),
    # a surrogate pair escape is one 4-byte character before the bad byte -> 4
    ("after-escaped-emoji", converse(operation="\U0001F600" + MARK), 4),
    # a key of an object read whole (identity): "k" then the bad byte -> 1
    ("object-key", converse(identity={"k" + MARK: "v"}), 1),
    # the request body's performanceConfig (read to resolve the latency mode): "opt" -> 3
    ("request-body", with_request_body_key("performanceConfig", {"latency": "opt" + MARK}), 3),
    # bad text under 8 unknown keys before the operation, and one after it; the operation
    # is read: "xy" -> 2
    ("after-skipped-ones", {**{f"note{i}": MARK for i in range(8)},
                            **converse(operation="xy" + MARK, notes=MARK)}, 2),
    # a streamed body's first chunk (read for Anthropic cache usage): "m" -> 1
    ("stream-start", stream_with_first_chunk(
        {"type": "message_start", "message": {"id": "m" + MARK}}), 1),
]


@pytest.mark.parametrize("record,offset", [(r, o) for _, r, o in CASES],
                         ids=[c[0] for c in CASES])
def test_invalid_utf8_in_a_read_value_is_quarantined_with_its_offset(
        record: dict[str, Any], offset: int) -> None:
    assert b"\xff" in line(record)
    with pytest.raises(Rejected) as e:
        parse(record)
    assert e.value.reason == "invalid_utf8"
    assert e.value.detail == f"invalid UTF-8 byte at offset {offset} of a text value"


@pytest.mark.parametrize("record", [
    converse(notes="a" + MARK),  # an unknown envelope key: skipped unread
    with_request_body_key("messages", [{"role": "user", "content": [{"text": MARK}]}]),
    with_request_body_key("unknown", MARK),
], ids=["unknown-key", "prompt-text", "unknown-body-key"])
def test_invalid_utf8_in_skipped_text_keeps_the_row(record: dict[str, Any]) -> None:
    assert b"\xff" in line(record)
    row = parse(record)
    assert row[0] == record["requestId"]
