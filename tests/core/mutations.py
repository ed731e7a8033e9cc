"""Seeded mutations of real-shaped log records, for the fuzz tests (issue 10).

A mutation replaces, deletes or renames one value anywhere in a record, or damages its bytes.
Hostile values are spliced in as raw JSON text, so values ``json.dumps`` cannot write (2^64,
1e400, invalid UTF-8, lone surrogates, nesting past any recursion limit) are reachable too.
Every prompt and response text carries ``CANARY``, so a test can check none of it leaks.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

from tests.core.records import converse, imwrs_anthropic, invoke_model_anthropic

CANARY = "CANARY-c4n4ry"

HOSTILE: tuple[bytes, ...] = (
    b"18446744073709551616", b"9223372036854775808", b"9223372036854775807", b"-1", b"-0",
    b"1e20", b"1e400", b"-1e400", b"0.5", b"1E2", b'"\\u00b2"', b'"\xb2"', b'"\\ud800"',
    b'"caf\xe9"', b'"\xff\xfe"', b"null", b"true", b"false", b'""', b'"x"', b"{}", b"[]",
    b'"12"', b'"\xd9\xa3"', b'"2026-13-45T99:00:00Z"', b'"9999-12-31T23:59:59-01:00"',
    b'"0001-01-01T00:00:00+14:00"', b'"\\u0000"', b'"\xef\xbb\xbf"', b"[" * 1500 + b"]" * 1500,
    b'{"a":' * 1100 + b"1" + b"}" * 1100, b"[" * 400 + b"]" * 400, b'"' + b"A" * 70_000 + b'"',
    b'{"latency":"optimized"}', b'{"type":"flex"}', b'[{"type":"message_stop"}]',
    b'{"inputTokens":-5,"outputTokens":1e30}', b'{"latencyMs":18446744073709551616}',
    b'{"' + CANARY.encode() + b'":1}',
)
BOM = b"\xef\xbb\xbf"


def seed_records() -> list[dict[str, Any]]:
    records = [converse(), invoke_model_anthropic(), imwrs_anthropic(),
               converse(operation="ConverseStream", latency_ms=None)]
    for r in records:
        _plant_canary(r)
    return records


def _plant_canary(node: Any) -> None:
    """Every text of a prompt or response becomes the canary."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("text", "system", "prompt", "generation") and isinstance(v, str):
                node[k] = f"{CANARY} {v}"
            else:
                _plant_canary(v)
    elif isinstance(node, list):
        for v in node:
            _plant_canary(v)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _parent(record: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        record = record[step]
    return record


def mutate_record(rng: random.Random, record: dict[str, Any], request_id: str) -> bytes:
    """One record with 1-3 mutations, as one line of bytes (no newline)."""
    rec = json.loads(json.dumps(record))
    rec["requestId"] = request_id
    splices: dict[str, bytes] = {}
    for _ in range(rng.randint(1, 3)):
        paths = _paths(rec)
        if not paths:
            break
        path = rng.choice(paths)
        parent = _parent(rec, path)
        kind = rng.random()
        if kind < 0.7:
            marker = f"@@H{len(splices)}@@"
            splices[marker] = rng.choice(HOSTILE)
            parent[path[-1]] = marker
        elif kind < 0.85 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[rng.choice(["requestId", "timestamp", "modelId", "x\u00e9", ""])] = \
                parent.pop(path[-1])
    line = json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode()
    for marker, raw in splices.items():
        line = line.replace(f'"{marker}"'.encode(), raw)
    if rng.random() < 0.15:
        line = damage_bytes(rng, line)
    return line


def damage_bytes(rng: random.Random, line: bytes) -> bytes:
    kind = rng.randrange(6)
    at = rng.randrange(len(line) + 1)
    if kind == 0:
        return line[:at]  # cut
    if kind == 1:
        return line[:at] + bytes([rng.randrange(256)]) + line[at:]  # stray byte
    if kind == 2:
        return BOM + line
    if kind == 3:
        return line + b"\r"
    if kind == 4:
        return line[:at] + b"\n" + line[at:]  # one line becomes two
    return line + line  # two records glued together


def fuzz_lines(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    seeds = seed_records()
    return [mutate_record(rng, rng.choice(seeds), f"fuzz-{seed}-{i:06d}") for i in range(n)]


def write_fuzz_files(root: Path, seed: int, files: int, lines_per_file: int) -> list[Path]:
    """Gzip files in the real key layout; some records appear twice, across files and days."""
    rng = random.Random(seed)
    lines = fuzz_lines(seed, files * lines_per_file)
    out = []
    for f in range(files):
        chunk = lines[f * lines_per_file:(f + 1) * lines_per_file]
        chunk += rng.sample(lines, 3)  # duplicates, possibly of lines in other files
        day = 2 + f % 3
        path = (root / "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-2"
                / f"2026/11/{day:02d}/10/20261102T1000{f:02d}000Z_{f:016x}.json.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(b"\n".join(chunk) + b"\n", mtime=0))
        out.append(path)
    return out
