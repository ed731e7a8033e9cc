"""Decode-engine feasibility bench (issue 13): can any engine read large delivery objects
into the fields the lake needs at >= 1.5x DuckDB's ``read_json`` -> Parquet, same run?

On the same large gzip objects (``bench/ingest_bench.py``'s generator, ``--objects large``:
up to 4,000 records an object; only objects with at least ``--min-records`` records are
used), each engine runs in its own subprocess, one after the other, ``--runs`` times:

* duckdb:        ingest_bench's DuckDB peer, unchanged: ``read_json`` with explicit columns ->
                 flattened, hive-partitioned Parquet, 2 threads (reads envelope AND the body
                 keys its query extracts, and writes Parquet);
* gunzip only:   ``isal`` decompression and a newline count, 2 processes: the floor under
                 every engine that reads the gzip objects in Python;
* msgspec:       decode only: ``isal`` gzip + ``msgspec`` typed Structs for the envelope, the
                 bodies left as ``msgspec.Raw`` (not parsed), 2 processes; no rows built;
* msgspec+body:  as msgspec, and the bodies decoded into typed Structs for the keys the lake
                 reads (stop reason, latency, usage, served latency; request system/messages/
                 max tokens); still no normalisation, hashing or Arrow;
* pyarrow:       ``isal`` + ``pyarrow.json.read_json`` with an explicit envelope schema
                 (``unexpected_field_behavior='ignore'``), 2 threads (one object per thread);
                 bodies cannot be read (``outputBodyJson`` is an object or an array);
* polars:        ``isal`` + ``polars.read_ndjson`` with an explicit envelope schema, bodies not
                 in the schema (skipped), 2 threads (one object per thread, POLARS_MAX_THREADS=2);
* polars+body:   as polars with both bodies read as String (Polars re-serialises them) and the
                 body keys pulled with ``str.json_path_match`` plus their byte lengths;
* ours parse:    ``bedrock_logbook.ingest.read.parse_objects`` (the pipeline's parse entry:
                 every lake column, quarantine, dedupe keys and digests, an Arrow table) in
                 2 processes, batched as the pipeline batches, nothing written (ingest_bench's
                 "parse" engine, unchanged).

Printed per engine and run: wall seconds, records/s, ratio to DuckDB's records/s in the same
run, CPU seconds (user+system of the subprocess tree, from ``getrusage(RUSAGE_CHILDREN)``),
CPU microseconds per record, the largest single process's max RSS, rows read, and the load
averages from ``uptime`` taken just before the engine started. Only duckdb writes anything, so
the other figures are upper bounds for an ingest built on that engine. A script, not a test:
machines are noisy, so compare engines measured in the same run.

Polars is not a project dependency; install it anywhere and pass its folder with ``--site``
(e.g. ``pip install --target /tmp/feas-site polars``). Without it the polars rows say skipped.

    nice -n 10 .venv/bin/python bench/decode_engines_bench.py [--records 200000] [--runs 3]
        [--min-records 3000] [--site /tmp/feas-site] [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import msgspec
from isal import igzip

BENCH = Path(__file__).resolve().parent
THREADS = 2
_ABSENT = msgspec.Raw()

# What each engine hands back (the lake needs the envelope AND body keys: served latency,
# latency_ms, first_byte_ms, stop reason, guardrail, cache TTL split, max output tokens, body
# sizes and prompt fingerprints; see bedrock_logbook/ingest/schema.py).
FIELDS = {
    "gunzip only": "nothing: isal decompression and a line count, 2 processes (the floor)",
    "duckdb": "envelope + output-body keys (served latency, latency_ms, first_byte_ms, stop "
              "reason) + body lengths; model/caller regex; no request-body keys, no hashes",
    "msgspec": "envelope only (typed); bodies kept as raw bytes, not parsed",
    "msgspec+body": "envelope + output-body keys (stop reason, latency, usage, served latency, "
                    "stream metrics) + request-body keys (system, messages, max tokens) as "
                    "Python objects; no normalisation, hashing or Arrow",
    "pyarrow": "envelope only (Arrow table); bodies unreadable by its schema, skipped",
    "polars": "envelope only (DataFrame); bodies skipped",
    "polars+body": "envelope + output-body stop reason, served latency and Converse "
                   "metrics.latencyMs via json_path_match (no stream-chunk metrics, no "
                   "request-body keys) + body lengths of re-serialised JSON, not the raw bytes",
    "ours parse": "every lake column incl. normalisation, fingerprints, quarantine, dedupe "
                  "keys, digests; an Arrow table (no Parquet)",
}


# --- msgspec engines (run in worker processes) ----------------------------------------------


class _Identity(msgspec.Struct):
    arn: str | None = None


class _Latency(msgspec.Struct):
    latency: str | None = None


class _Tier(msgspec.Struct):
    type: str | None = None


class _Input(msgspec.Struct):
    inputBodyJson: msgspec.Raw = _ABSENT
    inputBodyS3Path: str | None = None
    inputTokenCount: int | None = None
    cacheReadInputTokenCount: int | None = None
    cacheWriteInputTokenCount: int | None = None


class _Output(msgspec.Struct):
    outputBodyJson: msgspec.Raw = _ABSENT
    outputBodyS3Path: str | None = None
    outputTokenCount: int | None = None


class Envelope(msgspec.Struct):
    schemaVersion: str | None = None
    timestamp: str | None = None
    accountId: str | None = None
    identity: _Identity | None = None
    region: str | None = None
    requestId: str | None = None
    operation: str | None = None
    modelId: str | None = None
    inferenceRegion: str | None = None
    errorCode: str | None = None
    performanceConfig: _Latency | None = None
    serviceTier: _Tier | str | None = None  # {"type": ...} or a bare string, both logged
    requestMetadata: dict[str, str] | None = None
    input: _Input | None = None
    output: _Output | None = None


class _Metrics(msgspec.Struct):
    latencyMs: int | None = None


class _ResponseBody(msgspec.Struct):
    stopReason: str | None = None
    stop_reason: str | None = None
    metrics: _Metrics | None = None
    usage: dict[str, Any] | None = None
    performanceConfig: _Latency | None = None


class _StreamMetrics(msgspec.Struct):
    invocationLatency: int | None = None
    firstByteLatency: int | None = None


class _Chunk(msgspec.Struct):
    type: str | None = None
    delta: Any = None
    invocation_metrics: _StreamMetrics | None = msgspec.field(
        default=None, name="amazon-bedrock-invocationMetrics")


class _RequestBody(msgspec.Struct):
    system: msgspec.Raw = _ABSENT
    messages: msgspec.Raw = _ABSENT
    prompt: msgspec.Raw = _ABSENT
    inferenceConfig: dict[str, Any] | None = None
    max_tokens: int | None = None


_envelope = msgspec.json.Decoder(Envelope)
_response = msgspec.json.Decoder(_ResponseBody)
_chunks = msgspec.json.Decoder(list[_Chunk])
_request = msgspec.json.Decoder(_RequestBody)


def _gunzip(data: bytes) -> bytes:
    out: bytes = igzip.decompress(data)  # type: ignore[no-untyped-call]  # untyped C module
    return out


def _read_bodies(rec: Envelope) -> None:
    if rec.input is not None and len(rec.input.inputBodyJson) > 4:
        _request.decode(rec.input.inputBodyJson)
    if rec.output is not None and len(rec.output.outputBodyJson) > 4:
        raw = rec.output.outputBodyJson
        if memoryview(raw)[0] == 0x5B:  # "[": a stream's chunk list
            _chunks.decode(raw)
        else:
            _response.decode(raw)


def decode_file(path: str, bodies: bool) -> tuple[int, int]:
    """(records decoded, lines rejected) of one gzip JSON-lines object."""
    data = _gunzip(Path(path).read_bytes())
    ok = bad = 0
    decode = _envelope.decode
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            rec = decode(line)
            if bodies:
                _read_bodies(rec)
        except msgspec.DecodeError:  # ValidationError included
            bad += 1
            continue
        ok += 1
    return ok, bad


def count_lines(path: str) -> tuple[int, int]:
    return _gunzip(Path(path).read_bytes()).count(b"\n"), 0


def engine_gunzip(files: list[str]) -> dict[str, int]:
    rows = 0
    with ProcessPoolExecutor(THREADS, mp_context=get_context("forkserver")) as pool:
        for n, _ in pool.map(count_lines, files):
            rows += n
    return {"rows": rows}


def engine_msgspec(files: list[str], bodies: bool) -> dict[str, int]:
    rows = bad = 0
    with ProcessPoolExecutor(THREADS, mp_context=get_context("forkserver")) as pool:
        for ok, rejected in pool.map(partial(decode_file, bodies=bodies), files):
            rows, bad = rows + ok, bad + rejected
    return {"rows": rows, "rejected": bad}


# --- columnar engines ---------------------------------------------------------------------------


def engine_pyarrow(files: list[str]) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.json as pj

    pa.set_cpu_count(THREADS)
    s, i64 = pa.string(), pa.int64()
    schema = pa.schema([
        ("schemaVersion", s), ("timestamp", s), ("accountId", s),
        ("identity", pa.struct([("arn", s)])), ("region", s), ("requestId", s),
        ("operation", s), ("modelId", s), ("inferenceRegion", s), ("errorCode", s),
        ("performanceConfig", pa.struct([("latency", s)])),
        # serviceTier is an object in some records and a string in others: one JSON type per
        # column here, so it is not read either.
        # requestMetadata has caller-chosen keys: the JSON reader has no map type, so it is
        # not read here (a struct would need every key known up front).
        ("input", pa.struct([("inputBodyS3Path", s), ("inputTokenCount", i64),
                             ("cacheReadInputTokenCount", i64),
                             ("cacheWriteInputTokenCount", i64)])),
        ("output", pa.struct([("outputBodyS3Path", s), ("outputTokenCount", i64)])),
    ])
    parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read = pj.ReadOptions(use_threads=False)

    def one(path: str) -> int:
        raw = _gunzip(Path(path).read_bytes())
        table = pj.read_json(pa.BufferReader(raw), read_options=read, parse_options=parse)
        return int(table.num_rows)

    with ThreadPoolExecutor(THREADS) as pool:
        return {"rows": sum(pool.map(one, files))}


def engine_polars(files: list[str], bodies: bool) -> dict[str, int]:
    os.environ["POLARS_MAX_THREADS"] = str(THREADS)  # read at import
    import polars as pl

    s, i64 = pl.String, pl.Int64
    inp: dict[str, Any] = {"inputBodyS3Path": s, "inputTokenCount": i64,
                           "cacheReadInputTokenCount": i64, "cacheWriteInputTokenCount": i64}
    out: dict[str, Any] = {"outputBodyS3Path": s, "outputTokenCount": i64}
    if bodies:
        inp["inputBodyJson"] = s  # an object: Polars hands it back re-serialised as text
        out["outputBodyJson"] = s
    schema: dict[str, Any] = {
        "schemaVersion": s, "timestamp": s, "accountId": s,
        "identity": pl.Struct({"arn": s}), "region": s, "requestId": s, "operation": s,
        "modelId": s, "inferenceRegion": s, "errorCode": s,
        "performanceConfig": pl.Struct({"latency": s}),
        "serviceTier": s,  # object or string: String keeps both (objects as JSON text)
        "requestMetadata": s,  # caller-chosen keys: kept as JSON text
        "input": pl.Struct(inp), "output": pl.Struct(out),
    }
    ob = pl.col("output").struct.field("outputBodyJson")
    ib = pl.col("input").struct.field("inputBodyJson")
    body_columns = [
        pl.coalesce(ob.str.json_path_match("$.stopReason"),
                    ob.str.json_path_match("$.stop_reason")).alias("stop_reason"),
        ob.str.json_path_match("$.metrics.latencyMs").cast(i64).alias("latency_ms"),
        ob.str.json_path_match("$.performanceConfig.latency").alias("served_latency"),
        ob.str.len_bytes().alias("output_body_bytes"),
        ib.str.len_bytes().alias("input_body_bytes"),
    ]

    def one(path: str) -> int:
        raw = _gunzip(Path(path).read_bytes())
        df = pl.read_ndjson(io.BytesIO(raw), schema=schema)
        if bodies:
            df = df.with_columns(body_columns)
        return int(df.height)

    with ThreadPoolExecutor(THREADS) as pool:
        return {"rows": sum(pool.map(one, files))}


CHILD_ENGINES: dict[str, Callable[[list[str]], dict[str, int]]] = {
    "gunzip only": engine_gunzip,
    "msgspec": partial(engine_msgspec, bodies=False),
    "msgspec+body": partial(engine_msgspec, bodies=True),
    "pyarrow": engine_pyarrow,
    "polars": partial(engine_polars, bodies=False),
    "polars+body": partial(engine_polars, bodies=True),
}


# --- the parent: data, measuring, report -----------------------------------------------------


def _uptime() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    return out.strip().split("load average:")[-1].strip()


def _become_subreaper() -> None:
    """Adopt orphaned descendants: forkserver workers are children of the forkserver, which
    their engine does not reap, so their CPU would otherwise be missing from RUSAGE_CHILDREN."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def _reap_orphans() -> None:
    """Wait for adopted descendants so their CPU (and their reaped children's) is counted."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _select(files: list[str], min_records: int) -> tuple[list[str], int, int]:
    """Objects with at least ``min_records`` lines: (files, records, compressed bytes)."""
    chosen, records, size = [], 0, 0
    for f in files:
        data = Path(f).read_bytes()
        n = _gunzip(data).count(b"\n")
        if n >= min_records:
            chosen.append(f)
            records, size = records + n, size + len(data)
    return chosen, records, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000,
                    help="Records generated (ingest_bench --objects large layout).")
    ap.add_argument("--min-records", type=int, default=3000,
                    help="Use only objects with at least this many records (default 3000).")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--site", default=os.environ.get("DECODE_BENCH_SITE", ""),
                    help="Extra import folder for engines not in the venv (polars).")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--engine", help=argparse.SUPPRESS)  # child mode
    ap.add_argument("--listing", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.engine:  # child: run one engine, print its counts as JSON
        files = json.loads(Path(args.listing).read_text())
        print(json.dumps(CHILD_ENGINES[args.engine](files)))
        return

    sys.path.insert(0, str(BENCH))
    import ingest_bench as ib

    data = args.data or Path(tempfile.gettempdir()) / (
        f"bedrock-logbook-decode-bench-{args.records}-large")
    hours = max(1, round(args.records / ib.LARGE_RECORDS_PER_HOUR))
    ib.ensure_data(data, args.records, args.seed, hours, procs=2, kind="large")
    files, records, gz = _select(ib.batch_files(data), args.min_records)
    head = (f"input: {records:,} records in {len(files)} objects of >= {args.min_records:,} "
            f"records ({records / max(len(files), 1):,.0f} records, "
            f"{gz / max(len(files), 1) / 1e6:.2f} MB gzip an object on average), "
            f"{os.cpu_count()} CPUs, data {data}")
    env = dict(os.environ)
    if args.site:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (args.site, env.get("PYTHONPATH")) if p)
    have_polars = subprocess.run([sys.executable, "-c", "import polars"], env=env,
                                 capture_output=True).returncode == 0

    _become_subreaper()
    results: list[dict[str, Any]] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="decode-bench-") as tmp:
            work = Path(tmp)
            listing = work / "files.json"
            listing.write_text(json.dumps(files))
            engines: list[tuple[str, Any]] = [("duckdb", partial(ib.run_duckdb, files, work))]
            for name in CHILD_ENGINES:
                if name.startswith("polars") and not have_polars:
                    results.append({"run": run, "engine": name, "skipped": "polars missing"})
                    continue
                cmd = [sys.executable, __file__, "--engine", name, "--listing", str(listing)]
                engines.append((name, partial(ib.run_measured, name, cmd, env)))
            engines.append(("ours parse", partial(ib.run_parse_only, files, work, THREADS)))
            # Each run starts one engine later, so no engine always meets the same load.
            k = (run - 1) % len(engines)
            measured: list[dict[str, Any]] = []
            for name, call in engines[k:] + engines[:k]:
                load = _uptime()
                cpu0 = _cpu_children()
                m = call()
                _reap_orphans()
                cpu = _cpu_children() - cpu0
                measured.append({
                    "run": run, "engine": name, "seconds": round(m.seconds, 2),
                    "records_per_s": round(records / m.seconds), "x_duckdb": None,
                    "cpu_s": round(cpu, 2), "cpu_us_per_record": round(cpu / records * 1e6, 2),
                    "max_1proc_rss_mb": round(m.max_single_rss_mb),
                    "rows": ib._json_field(m.output, "rows"),
                    "rejected": ib._json_field(m.output, "rejected"), "exit": m.returncode,
                    "load_before": load,
                })
                if m.returncode != 0:
                    measured[-1]["error"] = m.output[-1500:]
            duck = next(r for r in measured if r["engine"] == "duckdb")
            for r in measured:
                r["x_duckdb"] = round(duck["seconds"] / r["seconds"], 2)
            order = [name for name, _ in engines]
            results += sorted(measured, key=lambda r: order.index(r["engine"]))
    if args.json:
        print(json.dumps({"input": head, "fields": FIELDS, "results": results}, indent=1))
        return
    print(head)
    cols = ("run", "engine", "seconds", "records_per_s", "x_duckdb", "cpu_s",
            "cpu_us_per_record", "max_1proc_rss_mb", "rows", "rejected", "exit", "load_before")
    table = [list(cols)] + [[str(r.get(c, r.get("skipped", ""))) if c in r or c == "seconds"
                             else "" for c in cols] for r in results]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    for r in results:
        if r.get("error"):
            print(f"\nrun {r['run']} {r['engine']} failed:\n{r['error']}")
    print("\nfields each engine extracts:")
    for name, what in FIELDS.items():
        print(f"  {name}: {what}")


if __name__ == "__main__":
    main()
