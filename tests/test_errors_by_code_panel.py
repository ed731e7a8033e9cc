"""errors_daily_by_code over a long range: past 90 days of data the panel counts failures
per ISO week (Monday to Sunday), so a year stays a few hundred rows. Expected values come from
the lake's Parquet files read with pyarrow and grouped by hand here; a short filter keeps
days."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook import queries
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters
from tests.browser.synthetic_lake import write_lake
from tests.rollup_lake import ensure_rollups

LAST_DAY = date(2026, 11, 20)  # a Friday


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("errors-weekly") / "lake"
    write_lake(path, rows=6000, days=120, last_day=LAST_DAY)
    assert ensure_rollups(path)
    return path


@pytest.fixture(scope="module")
def con(lake: Path) -> duckdb.DuckDBPyConnection:
    return queries.connect(lake)


@pytest.fixture(scope="module")
def rows(lake: Path) -> pd.DataFrame:
    files = sorted(lake.glob("invocations/**/*.parquet"))
    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    frame["day"] = frame["ts"].dt.tz_convert("UTC").dt.date
    return frame


def test_a_long_range_is_counted_per_iso_week(con: duckdb.DuckDBPyConnection,
                                              rows: pd.DataFrame) -> None:
    got = panels.run(con, panels.build("errors_daily_by_code", Filters()))
    assert set(got["grain"]) == {"week"}
    # Monday of each day's week, by hand: date.weekday() is 0 on Mondays
    rows = rows.assign(week=[d - timedelta(days=d.weekday()) for d in rows["day"]])
    failed = rows.dropna(subset=["error_code"])
    assert failed["error_code"].nunique() <= 8  # every code keeps its name
    expected = failed.groupby(["week", "error_code"]).size()
    got_counts = {(p.date() if hasattr(p, "date") else p, c): int(n) for p, c, n in
                  zip(got["period"], got["error_code"], got["errors"], strict=True)}
    assert got_counts == {k: int(v) for k, v in expected.items()}
    assert all(p.weekday() == 0 for p, _ in got_counts)
    per_week = rows.groupby("week")
    for _, r in got.iterrows():
        week = r["period"].date() if hasattr(r["period"], "date") else r["period"]
        days = per_week.get_group(week)["day"]
        assert r["requests"] == len(days)
        first = r["first_day"].date() if hasattr(r["first_day"], "date") else r["first_day"]
        last = r["last_day"].date() if hasattr(r["last_day"], "date") else r["last_day"]
        assert (first, last) == (min(days), max(days))
    # the first week is partial: it starts on the lake's first day, not on its Monday
    first_days = [d.date() if hasattr(d, "date") else d for d in got["first_day"]]
    assert min(first_days) == min(rows["day"]) != min(got_counts)[0]
    # 120 days are 18 ISO weeks here, where days x codes would be hundreds of rows
    assert got["period"].nunique() == len({w for w in rows["week"]}) == 18


def test_a_short_range_keeps_days(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    start = LAST_DAY - timedelta(days=89)  # 90 days: the longest span still counted per day
    got = panels.run(con, panels.build("errors_daily_by_code", Filters(start=start)))
    assert set(got["grain"]) == {"day"}
    failed = rows[(rows["day"] >= start)].dropna(subset=["error_code"])
    assert int(got["errors"].sum()) == len(failed) > 0
    assert got["period"].nunique() == failed["day"].nunique()
