"""rate_tiers resolves rates once per price period (a key's rates change only where one of its
price rows starts), not per day: a user price file whose input and output rates change on two
different days inside the data's range must bill every day at the rates in force that day,
through the raw rows (invocations) and through each rollup cost view.

The expected cost is computed here from the raw rows with the file's rates and the billing
rules written out (tokens x rate / 1e6; cache writes without a TTL split are 5-minute writes),
not from the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import resolve
from tests.lake_fixtures import snapshot_properties
from tests.rollup_data import sample_invocations
from tests.rollup_lake import ensure_rollups

START = dt.date(2020, 1, 1)
# The file's rates (USD per million tokens): input changes at the first cut, output at the
# second, so the data's days fall in three periods.
INPUT = (1.0, 3.0)
OUTPUT = (5.0, 7.0)
CACHE_READ, CACHE_WRITE, CACHE_WRITE_1H = 0.5, 2.0, 4.0


def _lake(tmp_path: Path) -> tuple[Path, pa.Table]:
    raw = sample_invocations(3000, 24 * 6, 5)
    lake = tmp_path / "lake"
    table = open_table(resolve(lake))
    assert append(table, raw, snapshot_properties(None)) is not None
    assert ensure_rollups(lake)
    return lake, raw


def _expected_by_day(rows: list[dict[str, object]], cut_in: dt.date,
                     cut_out: dt.date) -> dict[dt.date, float]:
    """Cost per UTC day of the default-tier rows with token counts (successes lacking them
    are unpriced), at the rates in force on each row's day."""
    def n(value: object) -> int:
        return int(value) if isinstance(value, int) else 0

    cost: dict[dt.date, float] = defaultdict(float)
    for r in rows:
        if r["service_tier"] not in (None, "default"):
            continue
        if r["error_code"] is None and (r["input_tokens"] is None or r["output_tokens"] is None):
            continue
        ts = r["ts"]
        assert isinstance(ts, dt.datetime)
        day = ts.astimezone(dt.UTC).date()
        if r["cache_write_5m_tokens"] is None and r["cache_write_1h_tokens"] is None:
            write_5m, write_1h = n(r["cache_write_tokens"]), 0
        else:
            write_5m, write_1h = n(r["cache_write_5m_tokens"]), n(r["cache_write_1h_tokens"])
        cost[day] += (
            n(r["input_tokens"]) * INPUT[day >= cut_in]
            + n(r["output_tokens"]) * OUTPUT[day >= cut_out]
            + n(r["cache_read_tokens"]) * CACHE_READ
            + write_5m * CACHE_WRITE + write_1h * CACHE_WRITE_1H
        ) / 1e6
    return dict(cost)


def test_rates_change_where_a_price_period_starts(tmp_path: Path) -> None:
    lake, raw = _lake(tmp_path)
    counts: dict[str, int] = defaultdict(int)
    for model in raw.column("model").to_pylist():
        if model is not None:
            counts[model] += 1
    model = max(sorted(counts), key=counts.__getitem__)
    rows = [r for r in raw.to_pylist() if r["model"] == model]
    days = sorted({r["ts"].astimezone(dt.UTC).date() for r in rows})
    assert len(days) >= 5
    cut_in, cut_out = days[len(days) // 3], days[2 * len(days) // 3]
    assert days[0] < cut_in < cut_out
    user = tmp_path / "periods.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        "source\n"
        f"{model},,,,input,{START},{INPUT[0]},old input\n"
        f"{model},,,,input,{cut_in},{INPUT[1]},new input\n"
        f"{model},,,,output,{START},{OUTPUT[0]},old output\n"
        f"{model},,,,output,{cut_out},{OUTPUT[1]},new output\n"
        f"{model},,,,cache_read,{START},{CACHE_READ},cache\n"
        f"{model},,,,cache_write,{START},{CACHE_WRITE},cache\n"
        f"{model},,,,cache_write_1h,{START},{CACHE_WRITE_1H},cache\n",
        encoding="utf-8")
    expected = _expected_by_day(rows, cut_in, cut_out)
    assert len(expected) == len(days)
    con = queries.connect(lake, prices=user)
    try:
        for view in ("invocations", "rollup_daily_cost", "rollup_hourly_cost",
                     "rollup_daily_models_cost"):
            got = dict(con.execute(
                f"SELECT day, sum(cost_usd) FROM {view} "  # noqa: S608
                "WHERE model = ? AND coalesce(service_tier, 'default') = 'default' "
                "AND cost_usd IS NOT NULL GROUP BY ALL", [model]).fetchall())
            assert got.keys() == expected.keys(), view
            for d, usd in expected.items():
                assert got[d] == pytest.approx(usd, rel=1e-9), (view, d)
        # Each period's label names the input row in force (the second cut changes only the
        # output rate, so its days still name the first cut).
        labels = dict(con.execute(
            "SELECT date, any_value(rate_effective_from) FROM invocations "
            "WHERE model = ? AND priced AND date IN (?, ?, ?) GROUP BY ALL",
            [model, days[0], cut_in, days[-1]]).fetchall())
        assert labels == {days[0]: START, cut_in: cut_in, days[-1]: cut_in}
        # Rate rows start where price rows start (three of them this file's), not on every day.
        starts = {r[0] for r in con.execute(
            "SELECT DISTINCT valid_from FROM rate_tiers('rollup_daily_live') WHERE model = ?",
            [model]).fetchall()}
        listed = {r[0] for r in con.execute("SELECT DISTINCT effective_from FROM prices")
                  .fetchall()}
        assert {START, cut_in, cut_out} <= starts <= listed
    finally:
        con.close()
