"""What reading the Iceberg table costs the DuckDB readers (a script, not a test).

    .venv/bin/python bench/readers_bench.py [--rows 100000] [--days 14] [--lake DIR]

Builds a local table lake with ``tests/browser/synthetic_lake.write_lake`` (one snapshot per
day) unless ``--lake`` names one, then prints, beside plain DuckDB over the same files:
- ``bedrock-logbook sql "SELECT count(*) ..."`` as a process (3 runs, best and worst): what a
  user waits for, start-up and pyiceberg's imports included;
- in one process: loading the table, planning its files, ``queries.connect``, and the best of
  3 runs of ``count(*)`` and ``summary_overview`` on the clean table, then again after one
  racing append makes it dirty (the raw view then keeps one row per request_id).
The dirty step appends a row to the lake: use a scratch lake.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from bedrock_logbook import queries  # noqa: E402
from bedrock_logbook.lake.catalog import load_table  # noqa: E402
from bedrock_logbook.lake.location import local_path, resolve  # noqa: E402
from bedrock_logbook.lake.reading import plan  # noqa: E402
from tests.browser.synthetic_lake import write_lake  # noqa: E402
from tests.lake_fixtures import write_invocations  # noqa: E402

COUNT = "SELECT count(*) FROM raw_invocations"
SUMMARY = "SELECT requests, cost_usd FROM summary_overview"


def best(con: duckdb.DuckDBPyConnection, sql: str, runs: int = 3) -> tuple[Any, float]:
    fastest, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = con.execute(sql).fetchall()
        fastest = min(fastest, time.perf_counter() - started)
    return result, fastest


def cli_seconds(lake: Path, runs: int = 3) -> list[float]:
    cli = Path(sys.executable).parent / "bedrock-logbook"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(cli), "sql", COUNT, "--lake", str(lake), "--format", "csv"],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--lake", type=Path, default=None)
    args = parser.parse_args()
    lake = args.lake or Path(tempfile.mkdtemp(prefix="readers-bench-")) / "lake"
    if args.lake is None:
        started = time.perf_counter()
        write_lake(lake, rows=args.rows, days=args.days)
        print(f"wrote {args.rows:,} rows in {args.days} snapshots: "
              f"{time.perf_counter() - started:.1f} s ({lake})")

    times = cli_seconds(lake)
    print(f"bedrock-logbook sql count(*) (process): best {min(times):.2f} s, "
          f"worst {max(times):.2f} s")

    location = resolve(lake)
    started = time.perf_counter()
    table = load_table(location)
    loaded = time.perf_counter()
    read_plan = plan(table)
    planned = time.perf_counter()
    con = queries.connect(lake)
    connected = time.perf_counter()
    print(f"load table {loaded - started:.2f} s, plan "
          f"{planned - loaded:.2f} s ({len(read_plan.files)} files), connect "
          f"{connected - planned:.2f} s")
    plain = duckdb.connect()
    plain.execute("CREATE MACRO files() AS " + str(duckdb.ConstantExpression(
        [local_path(f) for f in read_plan.files])))
    _, plain_s = best(plain, "SELECT count(*) FROM read_parquet(files())")
    print(f"plain DuckDB count(*) over the same files: {plain_s:.3f} s")
    for state in ("clean", "dirty"):
        if state == "dirty":
            write_invocations(lake, [{"request_id": "bench-race", "ts": "2026-11-20T10:00:00Z"}],
                              deduped_against=None)
            con = queries.connect(lake)
        assert queries.read_plan(con).dedupe == (state == "dirty")
        count, count_s = best(con, COUNT)
        summary, summary_s = best(con, SUMMARY)
        print(f"{state}: count(*) {count[0][0]:,} in {count_s:.3f} s; summary_overview "
              f"{summary[0]} in {summary_s:.3f} s")


if __name__ == "__main__":
    main()
