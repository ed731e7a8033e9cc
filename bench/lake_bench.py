"""The Iceberg lake on S3 (a moto server over HTTP) beside a local lake, in one invocation
(a script, not a test).

    .venv/bin/python bench/lake_bench.py [--records 100000] [--runs 4] [--page overview]
                                         [--skip local|s3] [--data DIR]

1. Generates ``--records`` sample records with ``bedrock-logbook sample`` in ``--runs`` parts
   (distinct seeds, so distinct request IDs), kept under ``/tmp/bedrock-logbook-lake-bench-N-R``
   and reused when present.
2. For each lake, local folder (SQLite catalog inside it) and ``s3://bench-lake/prod`` with
   ``--catalog sql:sqlite:///…`` (the SQL catalog over the moto S3 warehouse: moto's Glue does
   not check concurrent commits), runs as a user would, each command in its own process:
   - ``bedrock-logbook ingest files PART --lake … [--catalog …] --json`` once per part (one
     snapshot per run, so every day gets a file per run), timed together: records/s;
   - one dashboard page's panel queries (``bench/dashboard_bench.py``'s ``PAGES``), cold, in
     this process through ``queries.connect(lake, catalog=…)``, before compaction;
   - ``bedrock-logbook compact --lake … [--catalog …]``: seconds and its summary line;
   - the same page again, after compaction.
3. Prints one line per lake.

Needs the writer switch of issue 11 (``ingest`` writing the table, accepting ``s3://`` lakes
and ``--catalog``; ``queries.connect(lake, catalog=…)``). Timings on a shared machine are
noisy: compare the two lakes measured in the same run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from dashboard_bench import PAGES, time_page  # noqa: E402

from bedrock_logbook import queries  # noqa: E402
from bedrock_logbook.queries.panels import Filters  # noqa: E402
from tests.servers import free_port  # noqa: E402

CLI = str(Path(sys.executable).parent / "bedrock-logbook")
BUCKET = "bench-lake"


@dataclass
class Result:
    lake: str
    records: int = 0
    ingest_s: float = 0.0
    page_before_s: float = 0.0
    compact_s: float = 0.0
    compact_line: str = ""
    page_after_s: float = 0.0


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in (0, 5):
        raise SystemExit(f"{' '.join(args[:3])} failed ({done.returncode}): {done.stderr}")
    return took, done.stdout


def generate(data: Path, records: int, runs: int) -> list[Path]:
    parts = [data / f"part-{i}" for i in range(runs)]
    if all((p / "AWSLogs").exists() for p in parts):
        return parts
    per = records // runs
    for i, part in enumerate(parts):
        if not (part / "AWSLogs").exists():
            n = per if i < runs - 1 else records - per * (runs - 1)
            _, out = run(["sample", "--records", str(n), "--out", str(part), "--seed",
                          str(100 + i)], dict(os.environ))
            print(out.strip())
    return parts


def page_seconds(lake: str, catalog: str | None, page: str) -> float:
    con = queries.connect(lake, catalog=catalog)
    con.execute("SET threads = 2")
    seconds, _ = time_page(con, page, Filters())
    con.close()
    return seconds


def bench_lake(lake: str, catalog: str | None, parts: list[Path], page: str,
               env: dict[str, str]) -> Result:
    result = Result(lake)
    extra = ["--catalog", catalog] if catalog else []
    for part in parts:
        took, out = run(["ingest", "files", str(part), "--lake", lake, *extra, "--json"], env)
        result.ingest_s += took
        result.records += int(json.loads(out.strip().splitlines()[-1])["rows_written"])
    result.page_before_s = page_seconds(lake, catalog, page)
    result.compact_s, out = run(["compact", "--lake", lake, *extra], env)
    result.compact_line = out.strip()
    result.page_after_s = page_seconds(lake, catalog, page)
    return result


def start_moto() -> tuple[Any, dict[str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    os.environ.update(env)  # this process reads the S3 lake for the page timings
    os.environ.pop("AWS_PROFILE", None)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return server, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=4, help="ingest runs (input parts)")
    parser.add_argument("--page", choices=sorted(PAGES), default="overview")
    parser.add_argument("--skip", choices=["local", "s3"], action="append", default=[])
    parser.add_argument("--data", type=Path, default=None, help="where to keep the input")
    args = parser.parse_args()

    data = args.data or Path(tempfile.gettempdir()) / (
        f"bedrock-logbook-lake-bench-{args.records}-{args.runs}")
    parts = generate(data, args.records, args.runs)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="lake-bench-") as tmp:
        if "local" not in args.skip:
            results.append(bench_lake(str(Path(tmp) / "lake"), None, parts, args.page,
                                      dict(os.environ)))
        if "s3" not in args.skip:
            server, env = start_moto()
            try:
                catalog = f"sql:sqlite:///{Path(tmp) / 'catalog.sqlite'}"
                results.append(bench_lake(f"s3://{BUCKET}/prod", catalog, parts, args.page,
                                          {**os.environ, **env}))
            finally:
                server.stop()

    print(f"\n{args.records:,} records in {args.runs} ingest runs; page '{args.page}' cold, "
          "DuckDB 2 threads")
    print(f"{'lake':<28} {'ingest s':>9} {'records/s':>10} {'page s':>7} {'compact s':>10} "
          f"{'page s after':>13}")
    for r in results:
        rate = r.records / r.ingest_s if r.ingest_s else 0.0
        print(f"{r.lake[-28:]:<28} {r.ingest_s:>9.2f} {rate:>10,.0f} {r.page_before_s:>7.2f} "
              f"{r.compact_s:>10.2f} {r.page_after_s:>13.2f}")
        print(f"  {r.compact_line}")


if __name__ == "__main__":
    main()
