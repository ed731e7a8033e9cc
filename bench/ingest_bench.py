"""Ingest benchmark: our pipeline vs DuckDB's read_json -> Parquet on the same gzip objects.

Generates N records (default 1,000,000, ~2.6 KB each) in the S3 delivery layout, as small
objects (~40 records each, a quiet account's 5-minute deliveries) and/or large ones (about
4,000 records each, as busy accounts get), then runs on each, each in its own subprocess and
in the same invocation:

* duckdb: ``read_json`` with explicit columns and JSON paths -> ``COPY ... TO`` hive-partitioned
          Parquet, 2 threads (as in ../shared/reference/perf-baseline.md);
* ours:   ``bedrock-logbook ingest files DIR --lake TMP`` (worker processes included);
* parse:  ``parse_objects`` alone over the same objects in 2 worker processes, batched as the
          pipeline batches them, nothing written: the parser's speed apart from the writer.

and prints records/s, the ratio to DuckDB's, MB/s (compressed and uncompressed input) and
peak memory. Peak memory is
sampled from /proc over the whole process tree (RSS summed over the child and its descendants
every 50 ms; PSS, which does not double-count pages shared by forked workers, every second, as
it costs the measured engine CPU), plus the
kernel's max RSS of the largest single process (wait4). A script, not a test: machines are
noisy, so compare the two engines measured in the same run.

    .venv/bin/python bench/ingest_bench.py [--records N] [--objects small|large|both]
                                           [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bedrock_logbook.ingest.objects import skip_reason  # noqa: E402
from bedrock_logbook.ingest.sample_writer import WriteSummary, write_sample_logs  # noqa: E402

MARKER = ".bench-data.json"  # dot file: ignored by `ingest files`
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- data -----------------------------------------------------------------------------------


# How each kind of object is written: small ones are the generator's 5-minute deliveries per
# account and Region (~40 records at 1M records a day); large ones gather an hour of one
# account and Region, up to 4,000 records an object.
OBJECT_KINDS: dict[str, dict[str, Any]] = {
    "small": {},
    "large": {"window_seconds": 3600, "max_records_per_file": 4000},
}
# Large objects squeeze the records into fewer hours: the generator spreads them over 9
# account/Region streams, written by 2 processes, so ~200,000 records an hour give objects of
# up to 4,000 records (200,000 records: 1 hour, ~60 objects).
LARGE_RECORDS_PER_HOUR = 200_000


def _generate_part(args: tuple[str, int, int, int, str]) -> dict[str, int]:
    out, n, seed, hours, kind = args
    summary = write_sample_logs(Path(out), n, seed=seed, hours=hours,
                                start=datetime(2026, 11, 1, tzinfo=UTC), **OBJECT_KINDS[kind])
    return asdict(summary)


def ensure_data(data: Path, records: int, seed: int, hours: int, procs: int,
                kind: str = "small") -> dict[str, Any]:
    """Generate (or reuse) ``records`` records split over ``procs`` parts with distinct seeds."""
    wanted: dict[str, Any] = {"records": records, "seed": seed, "hours": hours, "parts": procs}
    if kind != "small":
        wanted["objects"] = kind
    marker = data / MARKER
    if marker.exists():
        meta: dict[str, Any] = json.loads(marker.read_text())
        if meta["args"] == wanted:
            return meta
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    sizes = [records // procs + (k < records % procs) for k in range(procs)]
    jobs = [(str(data / f"part-{k}"), n, seed * 1000 + k, hours, kind)
            for k, n in enumerate(sizes)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(procs) as pool:
        parts = list(pool.map(_generate_part, jobs))
    total = WriteSummary()
    for p in parts:
        for key, value in p.items():
            setattr(total, key, getattr(total, key) + value)
    meta = {"args": wanted, "summary": asdict(total),
            "generate_seconds": round(time.perf_counter() - t0, 1)}
    marker.write_text(json.dumps(meta, indent=1))
    return meta


def batch_files(data: Path) -> list[str]:
    return sorted(str(p) for p in data.rglob("*.json.gz")
                  if skip_reason(p.relative_to(data).as_posix()) is None)


# --- measuring a child process tree --------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


_PAGE = os.sysconf("SC_PAGE_SIZE")
# PSS needs the kernel to walk every page table (``smaps_rollup``): ~29 ms of CPU per sample
# of our 6-process tree, measured during an ingest. Taken every 50 ms it cost the engine under
# test about a third of a core, and ours (6 processes) far more than DuckDB (1). RSS comes
# from ``statm`` (the kernel's counters, no walk) every sample; PSS once a second.
_PSS_EVERY = 20


def _tree_pids(root: int) -> list[int]:
    kids = _children_map()
    stack, pids = [root], []
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(kids.get(pid, ()))
    return pids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(root: int, with_pss: bool = True) -> tuple[int, int]:
    """(RSS sum, PSS sum or 0) in bytes over ``root`` and all its descendants."""
    pids = _tree_pids(root)
    return (sum(_rss(p) for p in pids),
            sum(_pss(p) for p in pids) if with_pss else 0)


@dataclass
class Measured:
    engine: str
    seconds: float
    peak_rss_tree_mb: float
    peak_pss_tree_mb: float
    max_single_rss_mb: float
    rows: int | None
    returncode: int
    output: str


def run_measured(engine: str, cmd: list[str], env: dict[str, str] | None = None) -> Measured:
    peak = [0, 0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    done = threading.Event()

    def sample() -> None:
        n = 0
        while not done.is_set():
            rss, pss = _tree_memory(proc.pid, with_pss=n % _PSS_EVERY == 0)
            n += 1
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(engine, seconds, peak[0] / 1e6, peak[1] / 1e6, usage.ru_maxrss * 1024 / 1e6,
                    None, proc.returncode, output)


# --- the two engines -------------------------------------------------------------------------

DUCKDB_SCRIPT = r"""
import json, sys, duckdb
files, out = json.load(open(sys.argv[1])), sys.argv[2]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")  # timestamps parsed and written as UTC, whatever TZ is
con.execute("SET threads = 2")
con.execute("SET preserve_insertion_order = false")
columns = {
    "schemaVersion": "VARCHAR", "timestamp": "VARCHAR", "accountId": "VARCHAR",
    "identity": "STRUCT(arn VARCHAR)", "region": "VARCHAR", "requestId": "VARCHAR",
    "operation": "VARCHAR", "modelId": "VARCHAR", "inferenceRegion": "VARCHAR",
    "errorCode": "VARCHAR", "performanceConfig": "STRUCT(latency VARCHAR)",
    "serviceTier": "JSON", "requestMetadata": "MAP(VARCHAR, VARCHAR)",
    "input": "STRUCT(inputBodyJson JSON, inputBodyS3Path VARCHAR, inputTokenCount BIGINT, "
             "cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)",
    "output": "STRUCT(outputBodyJson JSON, outputBodyS3Path VARCHAR, outputTokenCount BIGINT)",
}
query = '''
WITH r AS (
  SELECT *, try_strptime("timestamp", '%Y-%m-%dT%H:%M:%SZ') AS ts_naive,
         "output".outputBodyJson AS ob
  FROM read_json($files, format = 'newline_delimited', compression = 'gzip',
                 columns = $columns, filename = true)
)
SELECT requestId AS request_id, timezone('UTC', ts_naive) AS ts, accountId AS account_id,
  region, coalesce(inferenceRegion, region) AS inference_region,
  coalesce(inferenceRegion <> region, false) AS cross_region, operation, modelId AS model_id,
  regexp_replace(regexp_replace(modelId, '^arn:[^/]*/', ''),
                 '^(us|eu|apac|jp|au|ca|us-gov|global)\.', '') AS model,
  identity.arn AS caller_arn, regexp_extract(identity.arn, '[^/:]+$') AS caller,
  lower(performanceConfig.latency) AS requested_latency,
  lower(json_extract_string(ob, '$.performanceConfig.latency')) AS served_latency,
  "input".inputTokenCount AS input_tokens, "output".outputTokenCount AS output_tokens,
  "input".cacheReadInputTokenCount AS cache_read_tokens,
  "input".cacheWriteInputTokenCount AS cache_write_tokens,
  coalesce(json_extract(ob, '$.metrics.latencyMs'),
           json_extract(ob, '$[#-1]."amazon-bedrock-invocationMetrics".invocationLatency')
          )::BIGINT AS latency_ms,
  json_extract(ob, '$[#-1]."amazon-bedrock-invocationMetrics".firstByteLatency')::BIGINT
    AS first_byte_ms,
  coalesce(json_extract_string(ob, '$.stopReason'), json_extract_string(ob, '$.stop_reason'))
    AS stop_reason,
  errorCode AS error_code, requestMetadata AS request_metadata,
  length("input".inputBodyJson::VARCHAR) AS input_body_bytes,
  length(ob::VARCHAR) AS output_body_bytes,
  "input".inputBodyS3Path AS input_body_s3_path, "output".outputBodyS3Path AS output_body_s3_path,
  schemaVersion AS schema_version, filename AS source,
  strftime(ts_naive, '%Y-%m-%d') AS date
FROM r WHERE ts_naive IS NOT NULL
'''
# COPY cannot take bound parameters; the relation API writes the same partitioned Parquet.
con.sql(query, params={"files": files, "columns": columns}).to_parquet(
    out, partition_by=["date"], overwrite=True)
rows = con.execute("SELECT count(*) FROM read_parquet($glob)",
                   {"glob": out + "/*/*.parquet"}).fetchone()[0]
print(json.dumps({"rows": rows}))
"""


def run_duckdb(files: list[str], work: Path) -> Measured:
    listing = work / "duckdb-files.json"
    listing.write_text(json.dumps(files))
    script = work / "duckdb_ingest.py"
    script.write_text(DUCKDB_SCRIPT)
    m = run_measured("duckdb read_json", [sys.executable, str(script), str(listing),
                                          str(work / "duckdb-out")])
    m.rows = _json_field(m.output, "rows")
    return m


def run_ours(data: Path, work: Path, workers: int) -> Measured:
    cli = Path(sys.executable).with_name("bedrock-logbook")
    cmd = [str(cli), "ingest", "files", str(data), "--lake", str(work / "lake"), "--json",
           "--workers", str(workers)]
    m = run_measured(f"bedrock-logbook ({workers} workers)", cmd)
    m.rows = _json_field(m.output, "rows_written")
    return m


PARSE_SCRIPT = r"""
import json, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.parse import ParseOptions
from bedrock_logbook.ingest.read import parse_objects

BATCH_BYTES, BATCH_OBJECTS = 2 << 20, 256  # as ingest/pipeline.py batches objects


def parse(paths):
    batch = parse_objects([RawObject(p, Path(p).read_bytes()) for p in paths],
                          ParseOptions(salt=b"bench"))
    return batch.table.num_rows, batch.lines


def batches(files):
    batch, size = [], 0
    for f in files:
        batch.append(f)
        size += Path(f).stat().st_size
        if size >= BATCH_BYTES or len(batch) >= BATCH_OBJECTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


if __name__ == "__main__":
    files, workers = json.load(open(sys.argv[1])), int(sys.argv[2])
    rows = lines = 0
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        for r, n in pool.map(parse, list(batches(files))):
            rows, lines = rows + r, lines + n
    print(json.dumps({"rows": rows, "lines": lines}))
"""


def run_parse_only(files: list[str], work: Path, workers: int) -> Measured:
    listing = work / "parse-files.json"
    listing.write_text(json.dumps(files))
    script = work / "parse_only.py"
    script.write_text(PARSE_SCRIPT)
    m = run_measured(f"parse_objects only ({workers} workers)",
                     [sys.executable, str(script), str(listing), str(workers)])
    m.rows = _json_field(m.output, "rows")
    return m


def _json_field(output: str, key: str) -> int | None:
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line).get(key)
                return int(value) if value is not None else None
            except ValueError:
                continue
    return None


# --- report ---------------------------------------------------------------------------------


def report(kind: str, results: list[Measured], meta: dict[str, Any], as_json: bool) -> None:
    s = meta["summary"]
    records = s["records"]
    gz_mb, raw_mb = s["bytes_compressed"] / 1e6, s["bytes_uncompressed"] / 1e6
    duckdb = next((m.seconds for m in results if m.engine.startswith("duckdb")), None)
    rows = []
    for m in results:
        rows.append({
            "engine": m.engine, "seconds": round(m.seconds, 2),
            "records_per_s": round(records / m.seconds),
            "x_duckdb": None if duckdb is None else round(duckdb / m.seconds, 2),
            "mb_per_s_gzip": round(gz_mb / m.seconds, 1),
            "mb_per_s_raw": round(raw_mb / m.seconds, 1),
            "peak_rss_tree_mb": round(m.peak_rss_tree_mb),
            "peak_pss_tree_mb": round(m.peak_pss_tree_mb),
            "max_single_rss_mb": round(m.max_single_rss_mb),
            "rows_out": m.rows, "exit": m.returncode,
        })
    if as_json:
        print(json.dumps({"objects": kind,
                          "input": {"records": records, "batch_files": s["batch_files"],
                                    "mb_gzip": round(gz_mb, 1), "mb_raw": round(raw_mb, 1),
                                    "cpus": os.cpu_count()},
                          "results": rows}, indent=1))
        return
    print(f"\n{kind} objects: {records:,} records in {s['batch_files']:,} gzip objects, "
          f"{gz_mb:,.0f} MB compressed / {raw_mb:,.0f} MB raw "
          f"({raw_mb * 1e6 / max(records, 1):,.0f} B/record), {os.cpu_count()} CPUs")
    head = ("engine", "seconds", "records/s", "x DuckDB", "MB/s gz", "MB/s raw",
            "peak RSS tree MB", "peak PSS tree MB", "max 1-proc RSS MB", "rows out")
    keys = ("engine", "seconds", "records_per_s", "x_duckdb", "mb_per_s_gzip", "mb_per_s_raw",
            "peak_rss_tree_mb", "peak_pss_tree_mb", "max_single_rss_mb", "rows_out")
    table = [list(head)] + [[f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in keys]
                            for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in
                        enumerate(zip(row, widths, strict=True))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for m in results:
        if m.returncode != 0:
            print(f"\n{m.engine} failed (exit {m.returncode}):\n{m.output[-2000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--objects", choices=("small", "large", "both"), default="both",
                    help="small (~40 records an object), large (~4,000) or both, one after "
                         "the other (default both).")
    ap.add_argument("--data", type=Path, default=None,
                    help="Where to generate/reuse input (default: a folder under /tmp, kept; "
                         "large objects go to DIR-large).")
    ap.add_argument("--hours", type=int, default=24, help="Hours the small objects span.")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2, help="Our parser processes.")
    ap.add_argument("--skip", choices=("ours", "duckdb", "parse"), action="append", default=[])
    ap.add_argument("--json", action="store_true", help="Print results as JSON.")
    args = ap.parse_args()

    kinds = ("small", "large") if args.objects == "both" else (args.objects,)
    for kind in kinds:
        base = args.data or Path(tempfile.gettempdir()) / f"bedrock-logbook-bench-{args.records}"
        data = base if kind == "small" else base.with_name(f"{base.name}-{kind}")
        hours = args.hours if kind == "small" else max(1, round(args.records
                                                                / LARGE_RECORDS_PER_HOUR))
        meta = ensure_data(data, args.records, args.seed, hours, procs=2, kind=kind)
        if not args.json:
            print(f"data: {data} (generated in {meta['generate_seconds']} s, reused when present)")
        files = batch_files(data)
        results = []
        with tempfile.TemporaryDirectory(prefix="bench-work-") as tmp:
            work = Path(tmp)
            if "duckdb" not in args.skip:
                results.append(run_duckdb(files, work))
            if "ours" not in args.skip:
                results.append(run_ours(data, work, args.workers))
            if "parse" not in args.skip:
                results.append(run_parse_only(files, work, args.workers))
        report(kind, results, meta, args.json)


if __name__ == "__main__":
    main()
