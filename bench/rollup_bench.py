"""Rollup figures (a script, not a test): build time, size, and merged-percentile query time.

    .venv/bin/python bench/rollup_bench.py [--per-hour 12000] [--hours 24] [--build-rows 1000000]
        [--build-only]

1. Generates one day of requests with the sample generator (``bedrock-logbook sample``'s),
   ``--per-hour`` requests in each of ``--hours`` hours (a distinct seed per hour), parsed by
   the real parser; cached as Parquet under ``--data`` and reused when the arguments match.
2. Build: the day tiled to ``--build-rows`` rows (ts shifted by whole days, request IDs made
   unique), then ``build_rollup`` timed, beside DuckDB's plain GROUP BY over the same grain with
   count(*) only (the floor any rollup build pays).
3. Size: rollup rows and Parquet bytes per day, hourly and daily (``daily_rollup``).
4. A year: the day's hourly and daily rollups repeated over 365 days (hour and day shifted),
   one Parquet file per day as the table would hold them; then each query is timed in a fresh
   DuckDB connection (2 threads) over those files:
   - p50/p90/p99 of latency per day x model x served mode over the year (successful calls);
   - p50/p90/p99 per model for one caller over the last 30 days (hourly rows);
   - the first again over a narrower "latency cube" (day x model x served x requested mode,
     successful calls) merged from the daily rows, as a page-specific table would hold it;
   - requests and output tokens per day x model over the year;
   beside DuckDB's count(*) over the same files. Each timing prints wall and CPU seconds: on
   a shared machine the wall time mostly measures the load.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bedrock_logbook.ingest.parse import parse_record  # noqa: E402
from bedrock_logbook.ingest.rollup import build_rollup, daily_rollup  # noqa: E402
from bedrock_logbook.ingest.rollup_schema import GRAIN  # noqa: E402
from bedrock_logbook.ingest.sample import generate_records  # noqa: E402
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA  # noqa: E402
from bedrock_logbook.queries.catalog import sql_objects  # noqa: E402

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)
US_PER_DAY = 86_400 * 1_000_000

# Percentiles by merging buckets: sum n per bucket over the selected rows, then walk.
Q_LATENCY_DAILY = """
WITH b AS (
    SELECT day, model, served_latency, e.bucket, sum(e.n) AS n
    FROM read_parquet($files), unnest(latency_ms_sketch) AS t(e)
    WHERE error_code IS NULL
    GROUP BY ALL
)
SELECT day, model, served_latency,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.5) AS p50,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.9) AS p90,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.99) AS p99
FROM b GROUP BY ALL
"""
# The same by concatenating the sketches (no unnest).
Q_LATENCY_DAILY_CONCAT = """
SELECT day, model, served_latency,
    sketch_quantile(flatten(list(latency_ms_sketch)), 0.5) AS p50,
    sketch_quantile(flatten(list(latency_ms_sketch)), 0.9) AS p90,
    sketch_quantile(flatten(list(latency_ms_sketch)), 0.99) AS p99
FROM read_parquet($files)
WHERE error_code IS NULL
GROUP BY ALL
"""
Q_CALLER_30D = """
WITH b AS (
    SELECT model, e.bucket, sum(e.n) AS n
    FROM read_parquet($files), unnest(latency_ms_sketch) AS t(e)
    WHERE error_code IS NULL AND caller = $caller AND day >= $since
    GROUP BY ALL
)
SELECT model,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.5) AS p50,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.9) AS p90,
    sketch_quantile(list({'bucket': bucket, 'n': n}), 0.99) AS p99
FROM b GROUP BY ALL
"""
Q_TOKENS_DAILY = """
SELECT day, model, sum(requests) AS requests, sum(output_tokens) AS output_tokens
FROM read_parquet($files) GROUP BY ALL
"""
Q_COUNT = "SELECT count(*) FROM read_parquet($files)"
# A narrower table for the year-long latency chart: the daily rows merged down to the chart's
# own grain (what a page-specific cube would hold); COPY's target is a bound parameter.
CUBE = """
COPY (
    WITH b AS (
        SELECT day, model, served_latency, requested_latency, e.bucket AS bucket,
            CAST(sum(e.n) AS BIGINT) AS n
        FROM read_parquet($files), unnest(latency_ms_sketch) AS t(e)
        WHERE error_code IS NULL
        GROUP BY ALL
    )
    SELECT day, model, served_latency, requested_latency,
        list({'bucket': bucket, 'n': n} ORDER BY bucket) AS latency_ms_sketch
    FROM b GROUP BY ALL ORDER BY day
) TO $out (FORMAT parquet)
"""


def generate_day(per_hour: int, hours: int, data: Path) -> pa.Table:
    cache = data / f"raw-{per_hour}x{hours}.parquet"
    if cache.exists():
        return pq.read_table(cache)
    data.mkdir(parents=True, exist_ok=True)
    parts = []
    for h in range(hours):
        rows = [parse_record(json.dumps(r).encode()) for r in generate_records(
            per_hour, seed=1000 + h, start=DAY0 + timedelta(hours=h), hours=1)]
        parts.append(pa.Table.from_pylist(rows, schema=INVOCATIONS_SCHEMA))
    day = pa.concat_tables(parts)
    pq.write_table(day, cache)
    return day


def shifted(table: pa.Table, column: str, days: int, unit_per_day: int) -> pa.Table:
    i = table.schema.get_field_index(column)
    field = table.schema.field(i)
    storage = pa.int64() if unit_per_day > 1 else pa.int32()  # timestamp or date32
    ints = pc.cast(table.column(column), storage)
    moved = pc.cast(pc.cast(pc.add(ints, days * unit_per_day), storage), field.type)
    return table.set_column(i, field, moved)


def tiled(day: pa.Table, rows: int) -> pa.Table:
    parts: list[pa.Table] = []
    d = 0
    while sum(p.num_rows for p in parts) < rows:
        part = shifted(day, "ts", d, US_PER_DAY)
        ids = pc.binary_join_element_wise(part.column("request_id"), pa.scalar(f"-{d}"), "")
        parts.append(part.set_column(0, INVOCATIONS_SCHEMA.field(0), ids))
        d += 1
    return pa.concat_tables(parts).slice(0, rows)


def write_year(rollup: pa.Table, folder: Path, days: int) -> int:
    folder.mkdir(parents=True)
    for d in range(days):
        moved = shifted(shifted(rollup, "hour", d, US_PER_DAY), "day", d, 1)
        pq.write_table(moved, folder / f"day-{d:03d}.parquet")
    return sum(f.stat().st_size for f in folder.iterdir())


def timed_query(sql: str, params: dict[str, object]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (all DuckDB threads) and result rows.

    On a shared machine the wall time depends on the load; the CPU time much less so.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 2")
    con.execute("SET TimeZone = 'UTC'")
    for obj in sql_objects():
        if obj.name.startswith("sketch_"):
            con.execute(obj.text)
    start, cpu = time.perf_counter(), time.process_time()
    n = len(con.execute(sql, params).fetchall())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return elapsed, cpu, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-hour", type=int, default=12_000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--build-rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--data", type=Path, default=Path("/tmp/bedrock-logbook-rollup-bench"))
    parser.add_argument("--build-only", action="store_true",
                        help="stop after the build figures (the writer's cost per day)")
    args = parser.parse_args()

    start = time.perf_counter()
    day = generate_day(args.per_hour, args.hours, args.data)
    print(f"raw day: {len(day):,} requests ({args.per_hour:,}/hour x {args.hours} h, "
          f"sample generator, {time.perf_counter() - start:.1f} s to generate or load)")

    big = tiled(day, args.build_rows)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.register("inv", big)
    grain = ", ".join(g for g in GRAIN[2:] if g in INVOCATIONS_SCHEMA.names)
    start, cpu = time.perf_counter(), time.process_time()
    floor_rows = len(con.execute(
        f"SELECT date_trunc('hour', ts), {grain}, count(*) FROM inv GROUP BY ALL"  # noqa: S608
    ).fetchall())
    floor_s, floor_cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    start, cpu = time.perf_counter(), time.process_time()
    built = build_rollup(big)
    build_s, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"build: {len(big):,} rows -> {len(built):,} rollup rows in {build_s:.2f} s "
          f"({build_cpu:.2f} CPU s, {len(big) / build_s:,.0f} rows/s); duckdb GROUP BY "
          f"count(*) only ({floor_rows:,} groups, no prompt band or flags): {floor_s:.2f} s "
          f"({floor_cpu:.2f} CPU s)")
    if args.build_only:
        return

    hourly = build_rollup(day)
    start = time.perf_counter()
    daily = daily_rollup(hourly)
    daily_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pq.write_table(hourly, root / "h.parquet")
        pq.write_table(daily, root / "d.parquet")
        print(f"size per day: hourly {len(hourly):,} rows, "
              f"{(root / 'h.parquet').stat().st_size / 1e6:.2f} MB; daily {len(daily):,} rows, "
              f"{(root / 'd.parquet').stat().st_size / 1e6:.2f} MB (daily_rollup {daily_s:.2f} s)"
              f"; raw day Parquet for scale: {_parquet_mb(day, root):.2f} MB")
        hourly_bytes = write_year(hourly, root / "hourly", args.days)
        daily_bytes = write_year(daily, root / "daily", args.days)
        print(f"year ({args.days} days, {len(day) * args.days:,} requests): hourly "
              f"{len(hourly) * args.days:,} rows {hourly_bytes / 1e6:.0f} MB, daily "
              f"{len(daily) * args.days:,} rows {daily_bytes / 1e6:.0f} MB")
        narrow = root / "latency_cube.parquet"
        cube_con = duckdb.connect(":memory:")
        cube_con.execute(CUBE, {"files": sorted(str(f) for f in (root / "daily").iterdir()),
                                "out": str(narrow)})
        cube_rows = cube_con.execute("SELECT count(*) FROM read_parquet($f)",
                                     {"f": str(narrow)}).fetchall()[0][0]
        cube_con.close()
        print(f"latency cube (day x model x served x requested mode, successful calls): "
              f"{cube_rows:,} rows, {narrow.stat().st_size / 1e6:.1f} MB for the year")
        hourly_files = sorted(str(f) for f in (root / "hourly").iterdir())
        daily_files = sorted(str(f) for f in (root / "daily").iterdir())
        caller = day.column("caller")[0].as_py()
        since = (DAY0 + timedelta(days=args.days - 30)).date()
        runs = [
            ("p50/p90/p99 per day x model x mode, year, daily rows (unnest + sum)",
             Q_LATENCY_DAILY, daily_files, {}),
            ("the same by concatenating sketches", Q_LATENCY_DAILY_CONCAT, daily_files, {}),
            ("the same over hourly rows (unnest + sum)", Q_LATENCY_DAILY, hourly_files, {}),
            ("p50/p90/p99 per model, one caller, 30 days, hourly rows", Q_CALLER_30D,
             hourly_files, {"caller": caller, "since": since}),
            ("p50/p90/p99 per day x model x mode, year, latency cube (concatenated)",
             Q_LATENCY_DAILY_CONCAT.replace("WHERE error_code IS NULL", ""), [str(narrow)], {}),
            ("requests + output tokens per day x model, year, daily rows", Q_TOKENS_DAILY,
             daily_files, {}),
            ("duckdb count(*) over the daily files", Q_COUNT, daily_files, {}),
            ("duckdb count(*) over the hourly files", Q_COUNT, hourly_files, {}),
        ]
        for label, sql, files, params in runs:
            timings, n = [], 0
            for _ in range(2):
                elapsed, cpu, n = timed_query(sql, {"files": files, **params})
                timings.append(f"{elapsed:.2f} s ({cpu:.2f} CPU s)")
            print(f"query: {label}: first {timings[0]}, second {timings[1]} "
                  f"({n:,} result rows)")


def _parquet_mb(table: pa.Table, root: Path) -> float:
    pq.write_table(table, root / "raw.parquet")
    return (root / "raw.parquet").stat().st_size / 1e6


if __name__ == "__main__":
    main()
