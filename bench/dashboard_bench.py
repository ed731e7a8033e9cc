"""Dashboard query timings on a 10-million-request lake (a script, not a test).

    .venv/bin/python bench/dashboard_bench.py [--rows 10000000] [--days 30] [--lake DIR]
        [--no-rollups] [--patterns 7] [--processes 2] [--pages overview,modes]

Builds the lake with numpy + Arrow straight into the lake layout (no JSON, no pipeline) unless
``--lake`` points at an existing one, then times every page's panel queries through the same
``queries`` views the dashboard uses: once with no filters (cold, then warm) and once with a
typical filter (one model, the last 7 days). Prints one line per page and a total.

With rollups (the default) the generator also writes the ``rollup_hourly``/``rollup_daily``
tables (and every per-day table of ``synthetic_lake.DAY_TABLES``): it generates
``--patterns`` distinct days, rolls each up with ingest's ``build_rollup``/``daily_rollup``,
and repeats them over ``--days`` (days and their rollups moved to their dates, 2 processes),
which is how 100M requests over 365 days are built in minutes. The rollups are thus exactly
what the builder gives for the raw table, but the days repeat a weekly pattern; they are not
written by ``bedrock-logbook ingest``. The traffic comes from a fixed set of applications
(``synthetic_lake.APPS``: the shape is printed in the header and justified in that module).

The header prints the rows of every table in the lake's catalog (raw and each derived table
that exists), from the current snapshots' summaries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bedrock_logbook import queries  # noqa: E402
from bedrock_logbook.lake.catalog import open_catalog  # noqa: E402
from bedrock_logbook.lake.location import NAMESPACE, resolve  # noqa: E402
from bedrock_logbook.queries import panels  # noqa: E402
from bedrock_logbook.queries.panels import Filters  # noqa: E402
from tests.browser.synthetic_lake import describe_shape, write_lake  # noqa: E402

# What each page runs (as in dashboard/views/*.py, default controls: spend by model, daily
# latency grain, the first page of 100 requests).
PAGES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "sidebar": [("filter_options", {}), ("filter_accounts", {})],
    "overview": [("overview_kpis", {}), ("overview_daily", {})],
    "spend": [("spend_daily", {"dimension": "model", "tag_key": ""}),
              ("spend_shares_daily", {}), ("cost_by_metadata", {}), ("cache_usage", {}),
              ("price_sources", {})],
    "latency": [("latency_over_time", {"grain": "day"}), ("latency_histogram", {}),
                ("latency_vs_tokens_sample", {}), ("decode_fit_by_model", {})],
    "modes": [("mode_price_what_if", {}), ("mode_comparison_summary", {}),
              ("mode_prompt_pairs_list", {}), ("mode_matrix", {}), ("fallbacks_daily", {})],
    "routing": [("profile_vs_direct", {}), ("routing_pairs_by_model", {})],
    "reliability": [("reliability_daily", {}), ("errors_daily_by_code", {})],
    "requests": [("requests_count", {"errors_only": False}),
                 ("requests_page", {"errors_only": False, "limit": 100, "offset": 0})],
    "health": [("health_freshness", {}), ("health_freshness_by_source", {}),
               ("health_derived_tables", {}), ("health_hourly", {}), ("health_runs", {}),
               ("health_quarantine_reasons", {}),
               ("health_quarantine_recent", {}), ("health_latency_coverage", {})],
}


def time_page(con: Any, page: str, filters: Filters) -> tuple[float, dict[str, float]]:
    each: dict[str, float] = {}
    for name, extra in PAGES[page]:
        started = time.perf_counter()
        frame = panels.run(con, panels.build(name, filters, extra))
        each[name] = time.perf_counter() - started
        assert len(frame) <= 5000, f"{name} returned {len(frame)} rows to the browser"
    return sum(each.values()), each


def table_rows(lake: Path) -> list[tuple[str, int]]:
    """Rows of every table in the lake's namespace (its current snapshot's summary)."""
    catalog = open_catalog(resolve(lake))
    counted = []
    for identifier in sorted(catalog.list_tables(NAMESPACE)):
        snapshot = catalog.load_table(identifier).current_snapshot()
        summary = {} if snapshot is None or snapshot.summary is None else snapshot.summary
        counted.append((identifier[-1], int(summary.get("total-records", 0))))
    return counted


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--lake", type=Path, help="existing lake to time (skips generation)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (2 = CI box)")
    parser.add_argument("--no-rollups", dest="rollups", action="store_false",
                        help="write no rollup tables (pages then compute them from raw rows)")
    parser.add_argument("--processes", type=int, default=2,
                        help="processes that generate and write the rollup lake's days")
    parser.add_argument("--patterns", type=int, default=7,
                        help="distinct generated days the rollup lake repeats")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help="comma-separated pages to time (default: all of PAGES)")
    args = parser.parse_args()
    pages = [page for page in args.pages.split(",") if page]
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown pages {', '.join(unknown)}; known: {', '.join(PAGES)}")

    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
        lake = args.lake
        if lake is None:
            lake = Path(tmp) / "lake"
            started = time.perf_counter()
            rows = write_lake(lake, rows=args.rows, days=args.days, rollups=args.rollups,
                              patterns=args.patterns, processes=args.processes)
            took = time.perf_counter() - started
            size = sum(p.stat().st_size for p in (lake / "invocations").rglob("*.parquet"))
            rollup_size = sum(p.stat().st_size for p in lake.rglob("rollup_*/**/*.parquet"))
            print(f"generated {rows:,} requests over {args.days} days in {took:.1f}s "
                  f"({size / 2**20:,.0f} MiB raw Parquet, {rollup_size / 2**20:,.1f} MiB "
                  "rollups)")
            print(describe_shape())
            if args.rollups:
                print(f"rollups: build_rollup + daily_rollup of {min(args.patterns, args.days)} "
                      f"generated days, repeated over {args.days} days (synthetic_lake.py; "
                      "not written by ingest)")
        print("rows: " + ", ".join(
            f"{name} {rows:,} ({folder_mib(lake / name):,.1f} MiB)"
            for name, rows in table_rows(lake)))
        started = time.perf_counter()
        con = queries.connect(lake)
        connected = time.perf_counter() - started
        states = con.execute("SELECT table_name, state FROM rollup_staleness ORDER BY 1")
        listed = ", ".join(f"{name} {state}" for name, state in states.fetchall())
        print(f"connect {connected:.2f}s; rollups: {listed}")
        con.execute("SET threads = " + str(int(args.threads)))
        options = panels.run(con, panels.build("filter_options", Filters())).iloc[0]
        last_day = options["last_day"]
        last_day = last_day.date() if hasattr(last_day, "date") else last_day
        model = sorted(options["models"])[0]
        typical = Filters(start=last_day - timedelta(days=6), end=last_day, models=(model,))

        print(f"lake {lake}: {int(options['requests']):,} requests; DuckDB threads "
              f"{args.threads}")
        print(f"{'page':<10} {'cold s':>8} {'warm s':>8} {'filtered s':>11}  slowest panel")
        totals = [0.0, 0.0, 0.0]
        for page in pages:
            cold, _ = time_page(con, page, Filters())
            warm, each = time_page(con, page, Filters())
            filtered, _ = time_page(con, page, typical)
            slowest = max(each, key=lambda k: each[k])
            totals = [totals[0] + cold, totals[1] + warm, totals[2] + filtered]
            print(f"{page:<10} {cold:>8.2f} {warm:>8.2f} {filtered:>11.2f}  "
                  f"{slowest} {each[slowest]:.2f}s")
        print(f"{'all timed':<10} {totals[0]:>8.2f} {totals[1]:>8.2f} {totals[2]:>11.2f}")
        print(f"(filtered = one model, {typical.start}..{typical.end}; the dashboard caches "
              "results, so a revisit with the same filters costs ~0)")


if __name__ == "__main__":
    main()
