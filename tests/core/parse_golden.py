"""A fingerprint of everything ``parse_objects`` returns, over fixed inputs: the oracle that
keeps a faster parser byte-identical to the one it replaced.

``tests/core/parse_golden.json`` holds these fingerprints as computed by the parser of
commit 83607d0 (before issue 13's rewrite of the parse path). ``test_parse_golden.py``
recomputes them with the current code. Regenerate only when a change of a row is intended:

    .venv/bin/python -m tests.core.parse_golden --write

Inputs: the fixture records (as .json documents and as one NDJSON object), generated sample
logs (small and ~4,000-record objects, with bad lines and a truncated gzip), seeded fuzz
mutations, and hostile values spliced into every envelope field. Each is parsed with three
option sets (salt, --keep-bodies, latency_field=requested).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa

from bedrock_logbook.ingest.objects import RawObject, list_local, read_local
from bedrock_logbook.ingest.parse import ParseOptions
from bedrock_logbook.ingest.read import ParsedBatch, parse_objects
from bedrock_logbook.ingest.sample_writer import write_sample_logs
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from tests.core.mutations import HOSTILE, fuzz_lines, write_fuzz_files
from tests.core.records import converse, imwrs_anthropic, invoke_model_anthropic

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = Path(__file__).with_name("parse_golden.json")

OPTION_SETS: dict[str, ParseOptions] = {
    "salted": ParseOptions(salt=b"golden"),
    "keep_bodies": ParseOptions(salt=b"golden", keep_bodies=True),
    "requested": ParseOptions(latency_field="requested"),
}


def _h(value: Any) -> str:
    return hashlib.sha256(msgspec.msgpack.encode(value)).hexdigest()[:24]


def _column_values(col: pa.ChunkedArray) -> list[Any]:
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.int64())
    values: list[Any] = col.to_pylist()
    return values


def fingerprint(batch: ParsedBatch) -> dict[str, Any]:
    """Everything the pipeline reads from a batch, as short hashes (plus readable counts)."""
    table = batch.table
    return {
        "schema_ok": table.schema.equals(INVOCATIONS_SCHEMA, check_metadata=True),
        "rows": table.num_rows,
        "columns": {name: _h(_column_values(table.column(name))) for name in table.column_names},
        "keys": _h(batch.keys),
        "digests": _h(batch.digests),
        "by_date": {day: _h(idx) for day, idx in sorted(batch.by_date.items())},
        "quarantine_reasons": dict(sorted(Counter(q.reason for q in batch.quarantine).items())),
        "quarantine": _h([q.as_row() for q in batch.quarantine]),
        "folded": dict(sorted(batch.folded.items())),
        "objects": batch.objects,
        "lines": batch.lines,
        "bytes_in": batch.bytes_in,
        "bytes_uncompressed": batch.bytes_uncompressed,
    }


def _fixture_objects() -> list[RawObject]:
    files = sorted(p for folder in ("real_logs", "seed_records")
                   for p in (FIXTURES / folder).rglob("*.json"))
    # Sources named apart from where the checkout lives: the source column is compared too.
    docs = [RawObject(o.uri.replace(str(FIXTURES), "fixtures:/"), o.data, layout=o.layout)
            for o in read_local(files)]
    lines = []
    for path in files:
        value = json.loads(path.read_text(encoding="utf-8"))
        for rec in value if isinstance(value, list) else [value]:
            lines.append(json.dumps(rec, separators=(",", ":")).encode())
    ndjson = RawObject("fixtures://all.jsonl", b"\n".join(lines) + b"\n")
    packed = RawObject("fixtures://all.jsonl.gz", gzip.compress(ndjson.data, mtime=0))
    return [*docs, ndjson, packed]


def _sample_objects(tmp: Path, name: str, n: int, **kwargs: Any) -> list[RawObject]:
    out = tmp / name
    write_sample_logs(out, n, start=datetime(2026, 11, 1, tzinfo=UTC), **kwargs)
    files, _ = list_local(out)
    return [RawObject(o.uri.replace(str(out), f"sample://{name}"), o.data, layout=o.layout)
            for o in read_local(files)]


def _fuzz_objects(tmp: Path) -> list[RawObject]:
    lines = fuzz_lines(21, 600)
    objects = [RawObject(f"fuzz://block-{k}", b"\n".join(lines[k:k + 100]) + b"\n")
               for k in range(0, 600, 100)]
    objects += [RawObject(f"fuzz://line-{k}", line) for k, line in enumerate(lines[:150])]
    for path in write_fuzz_files(tmp / "fuzz", seed=10, files=5, lines_per_file=75):
        objects.append(RawObject(f"fuzz://{path.name}", path.read_bytes()))
    return objects


_PLACEHOLDER = "@@HOSTILE@@"
# Where a hostile value is spliced: (path in the record, template record builder).
_SPLICE_PATHS: tuple[tuple[str, ...], ...] = (
    ("requestId",), ("timestamp",), ("accountId",), ("region",), ("inferenceRegion",),
    ("operation",), ("modelId",), ("schemaVersion",), ("schemaType",), ("errorCode",),
    ("performanceConfig",), ("serviceTier",), ("requestMetadata",), ("identity",),
    ("identity", "arn"), ("input",), ("input", "inputTokenCount"),
    ("input", "cacheReadInputTokenCount"), ("input", "cacheWriteInputTokenCount"),
    ("input", "inputBodyJson"), ("input", "inputBodyS3Path"), ("output",),
    ("output", "outputTokenCount"), ("output", "outputBodyJson"),
    ("output", "outputBodyS3Path"),
)


def _hostile_lines() -> Iterator[bytes]:
    templates = [converse(), invoke_model_anthropic(), imwrs_anthropic()]
    n = 0
    for t, template in enumerate(templates):
        for path in _SPLICE_PATHS:
            for value in HOSTILE:
                rec = json.loads(json.dumps(template))
                n += 1
                rec["requestId"] = f"hostile-{t}-{n:05d}"
                node = rec
                for step in path[:-1]:
                    node = node.setdefault(step, {})
                    if not isinstance(node, dict):
                        break
                else:
                    node[path[-1]] = _PLACEHOLDER
                    yield json.dumps(rec).encode().replace(
                        json.dumps(_PLACEHOLDER).encode(), value, 1)


def _hostile_objects() -> list[RawObject]:
    lines = list(_hostile_lines())
    return [RawObject(f"hostile://block-{k}", b"\n".join(lines[k:k + 250]) + b"\n")
            for k in range(0, len(lines), 250)]


def _hostile_line_objects() -> list[RawObject]:
    """Each hostile line alone: a block of well-typed lines is decoded together, so a line
    must also be seen without neighbours that send its block down the general path."""
    return [RawObject(f"hostile://line-{k}", line) for k, line in enumerate(_hostile_lines())]


def input_sets(tmp: Path) -> dict[str, list[RawObject]]:
    return {
        "fixtures": _fixture_objects(),
        "sample_small": _sample_objects(tmp, "small", 3000, seed=5, hours=3, bad_lines=True),
        "sample_large": _sample_objects(tmp, "large", 8000, seed=9, hours=1,
                                        max_records_per_file=4000, window_seconds=3600),
        "fuzz": _fuzz_objects(tmp),
        "hostile": _hostile_objects(),
        "hostile_lines": _hostile_line_objects(),
    }


def compute() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parse-golden-") as tmp:
        for name, objects in input_sets(Path(tmp)).items():
            digest = hashlib.sha256()
            for o in objects:
                digest.update(o.uri.encode() + b"\0" + o.data + b"\0" + o.layout.encode())
            out[name] = {"input": digest.hexdigest()[:24], "objects": len(objects)}
            for opt_name, options in OPTION_SETS.items():
                out[name][opt_name] = fingerprint(parse_objects(objects, options))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help=f"write {GOLDEN.relative_to(ROOT)}")
    args = ap.parse_args()
    result = compute()
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if args.write:
        GOLDEN.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
