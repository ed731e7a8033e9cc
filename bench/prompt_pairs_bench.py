"""The Modes page's two paired-comparison panels before and after the same-day pairs table
(a script, not a test).

    .venv/bin/python bench/prompt_pairs_bench.py [--rows 10000000] [--days 30] [--lake DIR]
        [--repeated-share 0.3] [--prompts 5000]

Builds a lake with ``tests/browser/synthetic_lake.write_lake`` (rollups included), giving the
requests a ``prompt_fp`` (the generator writes none yet): a share of each day's requests
draws from a pool of repeated prompts, the rest are unique. Then builds ``prompt_pairs_daily``
day by day with ``build_prompt_pairs`` over each day's raw rows (as the writer will) and times,
on fresh connections (cold, then warm), with DuckDB 2 threads:

- before: the panels as they were (the ``mode_comparison``/``mode_prompt_pairs`` views over
  the priced ``invocations`` view);
- after, table absent (the live fallback from ``raw_invocations``);
- after, table current.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bedrock_logbook import queries  # noqa: E402
from bedrock_logbook.ingest.prompt_pairs import build_prompt_pairs  # noqa: E402
from bedrock_logbook.queries import panels  # noqa: E402
from tests.browser import synthetic_lake  # noqa: E402
from tests.prompt_pairs_lake import write_prompt_pairs  # noqa: E402

PANELS = ("mode_comparison_summary", "mode_prompt_pairs_list")
# The panels' SQL before this change (whole-lake views over the priced invocations view).
BEFORE = {
    "mode_comparison_summary": "SELECT * FROM mode_comparison "
                               "ORDER BY standard_requests + optimized_requests DESC, model "
                               "LIMIT 100",
    "mode_prompt_pairs_list": "SELECT * FROM mode_prompt_pairs "
                              "ORDER BY latency_improvement DESC NULLS LAST, model, prompt_fp "
                              "LIMIT 200",
}


def _with_prompts(share: float, pool: int) -> None:
    """Wrap the generator's day table so each request gets a prompt_fp (bench only)."""
    original = synthetic_lake._day_table

    def day_table(rng: np.random.Generator, day: Any, n: int, first_line: int) -> pa.Table:
        table = original(rng, day, n, first_line)
        repeated = rng.random(n) < share
        fp = np.where(repeated, np.char.add("r", rng.integers(0, pool, n).astype(str)),
                      np.char.add(f"u{day.isoformat()}-", np.arange(n).astype(str)))
        i = table.schema.get_field_index("prompt_fp")
        return table.set_column(i, table.schema.field(i), pa.array(fp, pa.string()))

    synthetic_lake._day_table = day_table  # type: ignore[assignment]


def _build_table(lake: Path) -> tuple[int, float]:
    from bedrock_logbook.lake.catalog import open_catalog
    from bedrock_logbook.lake.location import resolve

    location = resolve(lake)
    raw = open_catalog(location).load_table(location.identifier)
    snapshot = raw.current_snapshot()
    assert snapshot is not None
    started = time.perf_counter()
    dataset = ds.dataset(str(lake / "invocations" / "data"), format="parquet")
    files_by_day: dict[str, list[str]] = {}
    for path in dataset.files:
        files_by_day.setdefault(Path(path).parent.name, []).append(path)
    parts = []
    columns = ["ts", "model", "prompt_fp", "served_latency", "requested_latency", "error_code",
               "latency_ms", "output_tokens", "first_byte_ms"]
    for _, files in sorted(files_by_day.items()):
        day = ds.dataset(files, format="parquet").to_table(columns=columns)
        parts.append(build_prompt_pairs(day))
    rows = pa.concat_tables(parts)
    write_prompt_pairs(lake, rows, snapshot.snapshot_id, run_id="bench")
    return rows.num_rows, time.perf_counter() - started


def _time(lake: Path, label: str, sql: dict[str, str]) -> None:
    con = queries.connect(lake)
    con.execute("SET threads = 2")
    current = con.execute("SELECT logbook_prompt_pairs_current()").fetchall()[0][0]
    cells = []
    for name in PANELS:
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            frame = con.execute(sql[name]).df()
            runs.append(time.perf_counter() - started)
        cells.append(f"{name} cold {runs[0]:.2f}s warm {runs[1]:.2f}s ({len(frame)} rows)")
    con.close()
    print(f"{label:<28} table current={current}: " + "; ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--lake", type=Path, help="existing lake (skips generation)")
    parser.add_argument("--keep", type=Path, help="generate the lake here and keep it")
    parser.add_argument("--repeated-share", type=float, default=0.3)
    parser.add_argument("--prompts", type=int, default=5000)
    args = parser.parse_args()
    after = {n: panels.build(n, panels.Filters(), panels.EXAMPLE_PARAMS).sql for n in PANELS}
    with tempfile.TemporaryDirectory(prefix="pairs-bench-") as tmp:
        lake = args.lake
        if lake is None:
            lake = args.keep or Path(tmp) / "lake"
            _with_prompts(args.repeated_share, args.prompts)
            started = time.perf_counter()
            written = synthetic_lake.write_lake(lake, rows=args.rows, days=args.days,
                                                rollups=True)
            print(f"generated {written:,} requests over {args.days} days in "
                  f"{time.perf_counter() - started:.1f}s ({args.repeated_share:.0%} from "
                  f"{args.prompts:,} repeated prompts)", flush=True)
        _time(lake, "before (raw, invocations)", BEFORE)
        _time(lake, "after, table absent", after)
        rows, took = _build_table(lake)
        print(f"prompt_pairs_daily: {rows:,} rows built day by day in {took:.1f}s", flush=True)
        _time(lake, "after, table current", after)


if __name__ == "__main__":
    main()
