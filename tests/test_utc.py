"""Days are UTC days whatever the host's time zone: the views and the dashboard panels run in a
subprocess under TZ=America/Los_Angeles (UTC-8 in January) over requests near midnight UTC,
where a local-time day would move them to the previous day."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.lake_fixtures import write_invocations

ROOT = Path(__file__).resolve().parents[1]
H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
JAN10, JAN11 = "2025-01-10", "2025-01-11"


def _row(request_id: str, ts: str, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "request_id": request_id, "ts": ts, "model_id": H35, "model": H35,
        "model_id_kind": "base", "region": "us-east-1", "inference_region": "us-east-1",
        "cross_region": False, "operation": "Converse", "caller": "c",
        "requested_latency": "standard", "served_latency": "standard",
        "input_tokens": 1000, "output_tokens": 200, "latency_ms": 1000,
        "output_tokens_per_s": 200.0,
    }
    row.update(over)
    return row


# UTC day by hand, and (for contrast) the Los Angeles day a local-time bucket would give:
ROWS = [
    _row("a", "2025-01-10T23:30:00Z"),                                 # UTC Jan 10, LA Jan 10
    _row("b", "2025-01-11T00:30:00Z", requested_latency="optimized",   # UTC Jan 11, LA Jan 10
         served_latency="standard", fallback_reason="quota_or_capacity"),
    _row("c", "2025-01-11T07:30:00Z", error_code="ThrottlingException",  # UTC Jan 11, LA Jan 10
         input_tokens=None, output_tokens=None, latency_ms=None, output_tokens_per_s=None),
    _row("d", "2025-01-11T08:30:00Z", guardrail_action="INTERVENED"),  # UTC Jan 11, LA Jan 11
]
# Standard Claude 3.5 Haiku: (1000 * $0.80 + 200 * $4.00) / 1e6 per successful request.
COST = (1000 * 0.80 + 200 * 4.00) / 1e6

SCRIPT = r"""
import json, sys, datetime as dt
from pathlib import Path
import duckdb
from bedrock_logbook import queries
from bedrock_logbook.queries import panels

lake, db = Path(sys.argv[1]), Path(sys.argv[2])
VIEWS = {
    "invocations": "SELECT request_id, day FROM invocations ORDER BY request_id",
    "hours": "SELECT request_id, strftime(ts, '%Y-%m-%d %H') AS hour FROM raw_invocations "
             "ORDER BY request_id",
    "cost_by_dimension": "SELECT day, requests FROM cost_by_dimension "
                         "WHERE dimension = 'model' ORDER BY day",
    "served_vs_requested": "SELECT day, requested_optimized, fallbacks FROM served_vs_requested",
    "errors_daily": "SELECT day, errors FROM errors_daily",
    "guardrail_interventions": "SELECT day, interventions FROM guardrail_interventions",
    "latency_by_region_mode_daily": "SELECT day, requests FROM latency_by_region_mode_daily "
                                    "ORDER BY day",
}
PANELS = ["overview_daily", "cost_daily_by_model", "fallbacks_daily", "filter_options"]

def rows(con, sql, params=None):
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]

out = {"local_zone": duckdb.connect().execute("SELECT current_setting('TimeZone')").fetchone()[0]}
con = queries.connect(lake)
out["zone"] = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
out["views"] = {name: rows(con, sql) for name, sql in VIEWS.items()}
# The dashboard's filter for one UTC day must select that day's requests.
jan11 = panels.Filters(start=dt.date(2025, 1, 11), end=dt.date(2025, 1, 11))
out["panels"] = {
    name: rows(con, q.sql, dict(q.params))
    for name in PANELS for q in [panels.build(name, panels.Filters())]
}
q = panels.build("overview_kpis", jan11)
out["panels"]["overview_kpis_jan11"] = rows(con, q.sql, dict(q.params))
# A .duckdb file opened later by a plain connection (no SET TimeZone: it does not persist).
queries.write_database(lake, db)
file_con = duckdb.connect(str(db), read_only=True)
out["file_zone"] = file_con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
out["file_views"] = {name: rows(file_con, VIEWS[name])
                     for name in ("invocations", "cost_by_dimension", "errors_daily")}
# the percentile macro is in the file too
out["file_views"]["summary_overview"] = rows(
    file_con, "SELECT requests_with_latency, p50_latency_ms FROM summary_overview")
print(json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("utc")
    write_invocations(tmp / "lake", ROWS)
    env = {**os.environ, "TZ": "America/Los_Angeles", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp / "lake"), str(tmp / "logbook.duckdb")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def test_the_host_zone_is_not_utc_but_every_connection_is(result: dict[str, Any]) -> None:
    assert result["local_zone"] == "America/Los_Angeles"  # the test means something
    assert result["zone"] == "UTC"


def test_views_bucket_by_utc_day(result: dict[str, Any]) -> None:
    views = result["views"]
    assert [(r["request_id"], r["day"]) for r in views["invocations"]] == [
        ("a", JAN10), ("b", JAN11), ("c", JAN11), ("d", JAN11)]
    assert [r["hour"] for r in views["hours"]] == [
        "2025-01-10 23", "2025-01-11 00", "2025-01-11 07", "2025-01-11 08"]
    assert [(r["day"], r["requests"]) for r in views["cost_by_dimension"]] == [
        (JAN10, 1), (JAN11, 3)]
    assert [(r["day"], r["requested_optimized"], r["fallbacks"])
            for r in views["served_vs_requested"]] == [(JAN11, 1, 1)]
    assert [(r["day"], r["errors"]) for r in views["errors_daily"]] == [(JAN11, 1)]
    assert [(r["day"], r["interventions"])
            for r in views["guardrail_interventions"]] == [(JAN11, 1)]
    assert [(r["day"], r["requests"]) for r in views["latency_by_region_mode_daily"]] == [
        (JAN10, 1), (JAN11, 3)]


def test_panels_bucket_by_utc_day(result: dict[str, Any]) -> None:
    got = result["panels"]
    assert [(r["day"], r["requests"], r["errors"]) for r in got["overview_daily"]] == [
        (JAN10, 1, 0), (JAN11, 3, 1)]
    assert [r["cost_usd"] for r in got["overview_daily"]] == [
        pytest.approx(COST), pytest.approx(2 * COST)]
    assert [(r["day"], r["cost_usd"]) for r in got["cost_daily_by_model"]] == [
        (JAN10, pytest.approx(COST)), (JAN11, pytest.approx(2 * COST))]
    assert [(r["day"], r["requests"]) for r in got["fallbacks_daily"]] == [(JAN11, 1)]
    (options,) = got["filter_options"]
    assert (options["first_day"], options["last_day"]) == (JAN10, JAN11)
    (kpis,) = got["overview_kpis_jan11"]
    assert kpis["requests"] == 3  # b, c, d: the UTC day, not the Los Angeles one


def test_a_duckdb_file_opened_in_another_zone_keeps_utc_days(result: dict[str, Any]) -> None:
    assert result["file_zone"] == "America/Los_Angeles"
    views = result["file_views"]
    assert [(r["request_id"], r["day"]) for r in views["invocations"]] == [
        ("a", JAN10), ("b", JAN11), ("c", JAN11), ("d", JAN11)]
    assert [(r["day"], r["requests"]) for r in views["cost_by_dimension"]] == [
        (JAN10, 1), (JAN11, 3)]
    assert [(r["day"], r["errors"]) for r in views["errors_daily"]] == [(JAN11, 1)]
    assert views["summary_overview"] == [{"requests_with_latency": 3, "p50_latency_ms": None}]


def test_hand_days_differ_from_los_angeles_days() -> None:
    # Guard on the fixture itself: b and c fall on the previous day in Los Angeles.
    la = dt.timezone(dt.timedelta(hours=-8))
    moved = [r["request_id"] for r in ROWS
             if dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).astimezone(la).date()
             != dt.date.fromisoformat(r["ts"][:10])]
    assert moved == ["b", "c"]
