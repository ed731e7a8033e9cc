"""The Reliability page's failures-by-code chart as a Vega-Lite spec: its title and bar width
follow the panel's grain (days, or ISO weeks past 90 days), counts are integers, 'other' is
grey and last, and a click on a week's bar drills down to that week's days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from bedrock_logbook.dashboard import drill, reliability_charts
from bedrock_logbook.queries.panels import Filters


def _rows(grain: str, periods: list[str], codes: list[tuple[str, int]]) -> pd.DataFrame:
    step = 7 if grain == "week" else 1
    records: list[dict[str, Any]] = []
    for p in periods:
        start = pd.Timestamp(p)
        for code, errors in codes:
            records.append({"grain": grain, "period": start, "first_day": start,
                            "last_day": start + pd.Timedelta(days=step - 1),
                            "error_code": code, "errors": errors, "requests": 1000,
                            "error_rate": errors / 1000})
    return pd.DataFrame(records)


def test_weekly_rows_draw_week_wide_bars_under_a_week_title() -> None:
    weekly = _rows("week", ["2026-01-05", "2026-01-12"],
                   [("ThrottlingException", 30), ("other", 50), ("ValidationException", 4)])
    spec = reliability_charts.errors_by_code(weekly).to_dict()
    assert spec["title"] == "Failed requests per UTC week (Monday to Sunday) by error code"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "period" and enc["x2"]["field"] == "period_end"
    values = spec["datasets"][spec["data"]["name"]]
    # each bar ends where the next week starts: 7 days wide
    starts = {v["period"][:10]: v["period_end"][:10] for v in values}
    assert starts == {"2026-01-05": "2026-01-12", "2026-01-12": "2026-01-19"}
    assert enc["y"]["field"] == "errors" and enc["y"]["axis"]["tickMinStep"] == 1
    # largest first, 'other' last and grey, though it has the most failures
    scale = enc["color"]["scale"]
    assert scale["domain"] == ["ThrottlingException", "ValidationException", "other"]
    assert scale["range"][-1] == "#9d9d9d"
    assert spec["params"][0]["select"]["fields"] == ["first_day", "last_day"]


def test_daily_rows_draw_day_bars_under_a_day_title() -> None:
    daily = _rows("day", ["2026-01-05", "2026-01-06", "2026-01-07"], [("ThrottlingException", 3)])
    spec = reliability_charts.errors_by_code(daily).to_dict()
    assert spec["title"] == "Failed requests per UTC day by error code"
    values = spec["datasets"][spec["data"]["name"]]
    assert [(v["period"][:10], v["period_end"][:10]) for v in values] == [
        ("2026-01-05", "2026-01-06"), ("2026-01-06", "2026-01-07"), ("2026-01-07", "2026-01-08")]
    assert reliability_charts.grain_of(daily) == "day"
    assert reliability_charts.grain_of(daily.iloc[0:0]) == "day"


def test_a_clicked_week_drills_down_to_its_days() -> None:
    # what Vega hands back for a click on a week's bar (epoch ms of the two selected fields)
    start, end = pd.Timestamp("2026-01-12", tz="UTC"), pd.Timestamp("2026-01-18", tz="UTC")
    picked = [{"first_day": start.value // 10**6, "last_day": end.value // 10**6}]
    got = drill.from_pick(picked, rename={"first_day": "day", "last_day": "day"})
    assert got == {"start": date(2026, 1, 12), "end": date(2026, 1, 18)}
    assert drill.apply(Filters(), got) == Filters(start=date(2026, 1, 12), end=date(2026, 1, 18))
