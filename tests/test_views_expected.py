"""Every view's result on a small lake whose expected values are worked out by hand.

The fixture (seven invocations, three quarantined lines, two runs) is written straight into
the lake with pyarrow. Prices are the shipped ones: Claude 3.5 Haiku $0.80/$4.00 standard and
$1.00/$5.00 optimized per million tokens (from 2024-12-02), Claude 3.5 Sonnet $3/$15 with
cache reads at $0.30. Each test is registered with @expected(view); a test fails when a view
in queries.list_views() has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest

from bedrock_logbook import queries
from bedrock_logbook.lake.location import DERIVED_TABLES
from tests.lake_fixtures import utc, write_invocations, write_quarantine, write_run
from tests.prompt_pairs_lake import build_from_lake, write_prompt_pairs
from tests.rollup_lake import ensure_rollups
from tests.tag_rollup_lake import write_tag_rollup

H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
S35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
APP_ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123"
D10, D11 = dt.date(2025, 1, 10), dt.date(2025, 1, 11)

_H35_PROFILE = {
    "model_id": "us." + H35, "model": H35, "model_id_kind": "system_profile",
    "profile_scope": "us", "region": "us-east-2", "operation": "Converse",
}
ROWS: list[dict[str, Any]] = [
    # r1: optimized, served optimized in us-east-2. $ = (1000*1 + 200*5)/1e6 = 0.002
    {**_H35_PROFILE, "request_id": "r1", "ts": "2025-01-10T10:00:00Z",
     "inference_region": "us-east-2", "cross_region": False, "caller": "alice",
     "requested_latency": "optimized", "served_latency": "optimized",
     "input_tokens": 1000, "output_tokens": 200, "latency_ms": 1000,
     "output_tokens_per_s": 200.0, "prompt_fp": "p1", "request_metadata": {"team": "a"}},
    # r2: standard, re-routed to us-west-2. $ = (1000*0.8 + 200*4)/1e6 = 0.0016
    {**_H35_PROFILE, "request_id": "r2", "ts": "2025-01-10T11:00:00Z",
     "inference_region": "us-west-2", "cross_region": True, "caller": "alice",
     "requested_latency": "standard", "served_latency": "standard",
     "input_tokens": 1000, "output_tokens": 200, "latency_ms": 2000,
     "output_tokens_per_s": 100.0, "prompt_fp": "p1"},
    # r3: asked optimized, fell back to standard. billed (500*0.8+100*4)/1e6 = 0.0008,
    # asked (500*1 + 100*5)/1e6 = 0.001
    {**_H35_PROFILE, "request_id": "r3", "ts": "2025-01-11T09:00:00Z",
     "inference_region": "us-west-2", "cross_region": True, "caller": "bob",
     "requested_latency": "optimized", "served_latency": "standard",
     "fallback_reason": "quota_or_capacity",
     "input_tokens": 500, "output_tokens": 100, "latency_ms": 1500,
     "output_tokens_per_s": 100 * 1000 / 1500, "prompt_fp": "p2",
     "request_metadata": {"team": "b", "env": "prod"}},
    # r4: direct Sonnet call, served mode unknown, cache read, no latency, guardrail.
    # $ = (2000*3 + 100*15 + 8000*0.3)/1e6 = 0.0099; without cache (10000*3 + 1500)/1e6 = 0.0315
    {"request_id": "r4", "ts": "2025-01-11T10:00:00Z", "model_id": S35, "model": S35,
     "model_id_kind": "base", "profile_scope": None, "region": "us-east-1",
     "inference_region": "us-east-1", "cross_region": False, "operation": "InvokeModel",
     "caller": "bob", "requested_latency": "standard", "served_latency": None,
     "input_tokens": 2000, "output_tokens": 100, "cache_read_tokens": 8000,
     "cache_write_tokens": 0, "guardrail_action": "INTERVENED",
     "request_metadata": {"team": "b"}},
    # r5: application profile (no model known), throttled: unpriced, cost NULL.
    {"request_id": "r5", "ts": "2025-01-11T11:00:00Z", "model_id": APP_ARN, "model": None,
     "model_id_kind": "application_profile_arn", "profile_scope": "application",
     "region": "us-east-1", "inference_region": "us-east-1", "cross_region": False,
     "operation": "Converse", "caller": "carol", "requested_latency": "standard",
     "served_latency": None, "error_code": "ThrottlingException"},
    # r6: standard. $ = (1000*0.8 + 400*4)/1e6 = 0.0024
    {**_H35_PROFILE, "request_id": "r6", "ts": "2025-01-11T12:00:00Z",
     "inference_region": "us-east-2", "cross_region": False, "caller": "alice",
     "requested_latency": "standard", "served_latency": "standard",
     "input_tokens": 1000, "output_tokens": 400, "latency_ms": 3000,
     "output_tokens_per_s": 400 * 1000 / 3000, "prompt_fp": "p3"},
    # r7: optimized. $ = (1000*1 + 400*5)/1e6 = 0.003
    {**_H35_PROFILE, "request_id": "r7", "ts": "2025-01-11T13:00:00Z",
     "inference_region": "us-east-2", "cross_region": False, "caller": "alice",
     "requested_latency": "optimized", "served_latency": "optimized",
     "input_tokens": 1000, "output_tokens": 400, "latency_ms": 1600,
     "output_tokens_per_s": 250.0, "prompt_fp": "p3"},
]
QUARANTINE = [
    {"source": "s3://b/k1.json.gz", "source_line": 3, "reason": "malformed_json",
     "detail": "unexpected end", "raw": "{"},
    {"source": "s3://b/k2.json.gz", "source_line": 1, "reason": "malformed_json",
     "detail": "bad escape", "raw": "{\\x"},
    {"source": "s3://b/k2.json.gz", "source_line": 9, "reason": "missing_request_id",
     "detail": "no requestId", "raw": "{}"},
]
RUNS = [
    {"run_id": "a1", "started_at": "2025-01-11T00:00:00+00:00",
     "finished_at": "2025-01-11T00:00:10+00:00", "seconds": 10.0, "source": "files",
     "objects": 2, "skipped_objects": 1, "lines": 1000, "rows_written": 900, "duplicates": 90,
     "conflicting": 7, "quarantined": 10, "bytes_in": 10485760},
    {"run_id": "b2", "started_at": "2025-01-12T00:00:00+00:00",
     "finished_at": "2025-01-12T00:00:04+00:00", "seconds": 4.0, "source": "s3",
     "objects": 1, "skipped_objects": 0, "lines": 8, "rows_written": 8, "duplicates": 0,
     "quarantined": 0, "bytes_in": 2097152, "extra_key": "ignored"},
]

_TESTED: set[str] = set()


def expected(view: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(test: Callable[..., None]) -> Callable[..., None]:
        _TESTED.add(view)
        return test
    return register


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    lake = tmp_path_factory.mktemp("lake")
    write_invocations(lake, ROWS)
    write_quarantine(lake, QUARANTINE)
    for run in RUNS:
        write_run(lake, run)
    ensure_rollups(lake)  # rollup_hourly/rollup_daily of ROWS (a no-op once ingest writes them)
    write_prompt_pairs(lake, *build_from_lake(lake))  # prompt_pairs_daily of ROWS
    write_tag_rollup(lake)  # rollup_tags_daily of ROWS
    connection = queries.connect(lake)
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    # Through Arrow: DuckDB's own Python conversion of TIMESTAMPTZ needs pytz.
    table = con.sql(sql).to_arrow_table()
    result: list[dict[str, Any]] = table.to_pylist()
    return result


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def test_every_view_has_an_expected_result_test() -> None:
    untested = [v.name for v in queries.list_views() if v.name not in _TESTED]
    assert untested == []


@expected("raw_invocations")
def test_raw_invocations(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT request_id, date, ts, request_metadata FROM raw_invocations "
                    "ORDER BY request_id")
    assert [r["request_id"] for r in got] == ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]
    assert [r["date"] for r in got] == [D10, D10, D11, D11, D11, D11, D11]
    assert got[0]["ts"] == utc("2025-01-10T10:00:00Z")
    assert dict(got[2]["request_metadata"]) == {"team": "b", "env": "prod"}


@expected("raw_quarantine")
def test_raw_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT source, source_line, reason FROM raw_quarantine ORDER BY 1, 2")
    assert [(r["source"], r["source_line"], r["reason"]) for r in got] == [
        ("s3://b/k1.json.gz", 3, "malformed_json"),
        ("s3://b/k2.json.gz", 1, "malformed_json"),
        ("s3://b/k2.json.gz", 9, "missing_request_id"),
    ]


@expected("raw_runs")
def test_raw_runs(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM raw_runs ORDER BY run_id")
    assert [r["run_id"] for r in got] == ["a1", "b2"]
    assert got[0]["started_at"] == utc("2025-01-11T00:00:00Z")
    assert got[1]["rows_written"] == 8 and got[1]["bytes_in"] == 2097152
    assert "extra_key" not in got[1]


@expected("prices")
def test_prices(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT model, latency_mode, token_class, effective_from, usd_per_million, "
                    f"origin FROM prices WHERE model IN ('{H35}', 'regional.{H35}') "
                    "AND token_class IN ('input', 'output') "
                    "ORDER BY latency_mode, effective_from, token_class")
    # Standard: genai-prices' rate for the model and its geo profiles ($0.80 / $4.00, the
    # price after the 20% cut, seed 001); optimized: the project file ($1 / $5, seed 001).
    assert [(r["model"], r["latency_mode"], r["token_class"], r["effective_from"].isoformat(),
             r["usd_per_million"], r["origin"]) for r in got] == [
        (H35, "optimized", "input", "2024-12-02", 1.0, "project"),
        (H35, "optimized", "output", "2024-12-02", 5.0, "project"),
        ("regional." + H35, "standard", "input", "1970-01-01", 0.8, "genai-prices"),
        ("regional." + H35, "standard", "output", "1970-01-01", 4.0, "genai-prices"),
    ]


@expected("invocations")
def test_invocations_cost(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["request_id"]: r for r in rows(con, "SELECT * FROM invocations")}
    cost = {k: r["cost_usd"] for k, r in got.items()}
    assert cost == {
        "r1": approx(0.002), "r2": approx(0.0016), "r3": approx(0.0008),
        "r4": approx(0.0099), "r5": None, "r6": approx(0.0024), "r7": approx(0.003),
    }
    assert got["r3"]["requested_cost_usd"] == approx(0.001)
    assert got["r5"]["priced"] is False
    assert got["r5"]["price_source"].startswith("unpriced: model unknown")
    assert got["r4"]["latency_mode"] == "standard"
    assert "served mode unknown" in got["r4"]["price_source"]
    assert got["r1"]["price_source"].startswith("optimized rate effective 2024-12-02")
    assert got["r3"]["latency_mode"] == "standard"  # billed at the served (fallback) mode
    assert got["r4"]["total_tokens"] == 10100


@expected("latency_by_region_mode")
def test_latency_by_region_mode(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM latency_by_region_mode WHERE model = "
                    f"'{H35}' AND served_latency = 'standard' ORDER BY inference_region")
    # us-east-2: r6 (3000 ms); us-west-2: r2 (2000), r3 (1500)
    assert [(r["inference_region"], r["requests"]) for r in got] == [
        ("us-east-2", 1), ("us-west-2", 2)]
    west = got[1]
    # two latencies: below the 20 (p99: 100) a percentile needs, so none is shown
    assert west["requests_with_latency"] == 2
    assert (west["p50_latency_ms"], west["p90_latency_ms"], west["p99_latency_ms"]) == (
        None, None, None)
    assert west["mean_latency_ms"] == approx(1750.0)
    assert west["mean_output_tokens_per_s"] == approx((100 + 100 * 1000 / 1500) / 2)
    # ratio of sums: (200 + 100) tokens over (2000 + 1500) ms
    assert west["throughput_tokens_per_s"] == approx(300 * 1000 / 3500)
    sonnet = rows(con, f"SELECT * FROM latency_by_region_mode WHERE model = '{S35}'")
    assert sonnet[0]["requests"] == 1 and sonnet[0]["requests_with_latency"] == 0
    assert sonnet[0]["p50_latency_ms"] is None


@expected("latency_by_region_mode_daily")
def test_latency_by_region_mode_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, inference_region, requests, mean_latency_ms, p50_latency_ms "
                    f"FROM latency_by_region_mode_daily WHERE model = '{H35}' "
                    "AND served_latency = 'standard' ORDER BY day, inference_region")
    assert [(r["day"], r["inference_region"], r["requests"], r["mean_latency_ms"],
             r["p50_latency_ms"]) for r in got] == [
        (D10, "us-west-2", 1, 2000.0, None),
        (D11, "us-east-2", 1, 3000.0, None),
        (D11, "us-west-2", 1, 1500.0, None),
    ]


@expected("decode_speed")
def test_decode_speed(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["served_latency"]: r for r in rows(
        con, f"SELECT * FROM decode_speed WHERE model = '{H35}'")}
    # standard: (100, 1500), (200, 2000), (400, 3000) lie on 1000 + 5 * tokens
    std = got["standard"]
    assert (std["n"], std["ms_per_output_token"], std["intercept_ms"]) == (
        3, approx(5.0), approx(1000.0))
    assert std["decode_tokens_per_s"] == approx(200.0)
    assert std["r2"] == approx(1.0)
    # throughput, a ratio of sums: 700 tokens over 6500 ms
    assert std["throughput_tokens_per_s"] == approx(700 * 1000 / 6500)
    # optimized: (200, 1000), (400, 1600) -> 400 + 3 * tokens
    opt = got["optimized"]
    assert (opt["n"], opt["ms_per_output_token"], opt["intercept_ms"]) == (
        2, approx(3.0), approx(400.0))
    assert opt["decode_tokens_per_s"] == approx(1000 / 3)
    assert opt["throughput_tokens_per_s"] == approx(600 * 1000 / 2600)


@expected("decode_speed_by_region")
def test_decode_speed_by_region(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT inference_region, n, ms_per_output_token, intercept_ms, "
                    "decode_tokens_per_s, throughput_tokens_per_s "
                    f"FROM decode_speed_by_region WHERE model = '{H35}' "
                    "AND served_latency = 'standard' ORDER BY inference_region")
    # us-east-2 has one point (no fit); us-west-2: (200, 2000), (100, 1500) -> 1000 + 5x
    assert got[0]["inference_region"] == "us-east-2" and got[0]["n"] == 1
    assert got[0]["ms_per_output_token"] is None
    assert (got[1]["n"], got[1]["ms_per_output_token"], got[1]["intercept_ms"]) == (
        2, approx(5.0), approx(1000.0))
    assert got[1]["decode_tokens_per_s"] == approx(200.0)
    assert got[1]["throughput_tokens_per_s"] == approx(300 * 1000 / 3500)
    assert got[0]["throughput_tokens_per_s"] == approx(400 * 1000 / 3000)  # r6 alone


@expected("mode_prompt_pairs")
def test_mode_prompt_pairs(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT prompt_fp, standard_mean_latency_ms, optimized_mean_latency_ms, "
                    "latency_improvement FROM mode_prompt_pairs ORDER BY prompt_fp")
    # p2 ran only standard (r3 fell back), so it has no pair.
    assert [(r["prompt_fp"], r["standard_mean_latency_ms"], r["optimized_mean_latency_ms"])
            for r in got] == [("p1", 2000.0, 1000.0), ("p3", 3000.0, 1600.0)]
    assert got[0]["latency_improvement"] == approx(0.5)
    assert got[1]["latency_improvement"] == approx(1 - 1600 / 3000)


@expected("mode_comparison")
def test_mode_comparison(con: duckdb.DuckDBPyConnection) -> None:
    (h,) = rows(con, f"SELECT * FROM mode_comparison WHERE model = '{H35}'")
    assert (h["standard_requests"], h["optimized_requests"], h["paired_prompts"]) == (3, 2, 2)
    # 3 and 2 latencies: too few for a median (20), so no p50 and no p50 improvement
    assert (h["standard_requests_with_latency"], h["optimized_requests_with_latency"]) == (3, 2)
    assert (h["standard_p50_latency_ms"], h["optimized_p50_latency_ms"]) == (None, None)
    assert h["p50_latency_improvement_pct"] is None
    assert h["standard_mean_output_tokens_per_s"] == approx(100.0)
    assert h["optimized_mean_output_tokens_per_s"] == approx(225.0)
    assert h["latency_improvement_pct"] == approx(100 * (0.5 + 1 - 1600 / 3000) / 2)
    # list prices: $4.00 and $5.00 per million output tokens -> per 1K
    assert h["standard_list_usd_per_1k_output"] == approx(0.004)
    assert h["optimized_list_usd_per_1k_output"] == approx(0.005)
    # observed, input included: standard ($0.0016 + $0.0008 + $0.0024) / 3, optimized
    # ($0.002 + $0.003) / 2
    assert h["standard_observed_usd_per_request"] == approx(0.0048 / 3)
    assert h["optimized_observed_usd_per_request"] == approx(0.005 / 2)


# --- same-day prompt pairs (ingest/prompt_pairs.py): p1 ran both ways on Jan 10 (r1, r2),
# p3 on Jan 11 (r6, r7); p2 only standard (r3 fell back). No first byte in ROWS.
_PAIR_ROWS = [
    (D10, H35, "p1", "optimized", 1, 1000.0, 1, 200, 0, None),
    (D10, H35, "p1", "standard", 1, 2000.0, 1, 200, 0, None),
    (D11, H35, "p3", "optimized", 1, 1600.0, 1, 400, 0, None),
    (D11, H35, "p3", "standard", 1, 3000.0, 1, 400, 0, None),
]


def _pair_rows(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[Any, ...]]:
    got = rows(con, f"SELECT * FROM {view} ORDER BY day, prompt_fp, latency_mode")
    return [(r["day"], r["model"], r["prompt_fp"], r["latency_mode"], r["calls"],
             r["latency_ms_sum"], r["output_tokens_count"],
             None if r["output_tokens_sum"] is None else int(r["output_tokens_sum"]),
             r["first_byte_ms_count"], r["first_byte_ms_sum"]) for r in got]


@expected("prompt_pairs_daily")
def test_prompt_pairs_daily(con: duckdb.DuckDBPyConnection) -> None:
    assert _pair_rows(con, "prompt_pairs_daily") == _PAIR_ROWS


@expected("prompt_pairs_live")
def test_prompt_pairs_live(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT logbook_prompt_pairs_current() AS c") == [{"c": True}]
    assert _pair_rows(con, "prompt_pairs_live") == _PAIR_ROWS


@expected("prompt_pairs_same_day")
@expected("prompt_pairs_same_day_of")
@pytest.mark.parametrize("view", ["prompt_pairs_same_day", "prompt_pairs_same_day_of"])
def test_prompt_pairs_same_day(con: duckdb.DuckDBPyConnection, view: str) -> None:
    # prompt_pairs_same_day reads the memo here (the pairs table is current), _of computes.
    got = rows(con, f"SELECT * FROM {view} ORDER BY prompt_fp")  # noqa: S608
    assert [(r["prompt_fp"], r["standard_calls"], r["optimized_calls"],
             r["standard_mean_latency_ms"], r["optimized_mean_latency_ms"], r["paired_days"])
            for r in got] == [("p1", 1, 1, 2000.0, 1000.0, 1), ("p3", 1, 1, 3000.0, 1600.0, 1)]
    assert got[0]["latency_improvement"] == approx(0.5)
    assert got[1]["latency_improvement"] == approx(1 - 1600 / 3000)


@expected("prompt_pairs_by_model")
def test_prompt_pairs_by_model(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT * FROM prompt_pairs_by_model") == [
        {"model": H35, "paired_prompts": 2,
         "latency_improvement_pct": approx(100 * (0.5 + 1 - 1600 / 3000) / 2)}]


@expected("served_vs_requested")
def test_served_vs_requested(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM served_vs_requested ORDER BY day")
    assert [(r["day"], r["requested_optimized"], r["served_optimized"], r["fallbacks"])
            for r in got] == [(D10, 1, 1, 0), (D11, 2, 1, 1)]
    d11 = got[1]
    assert dict(d11["fallbacks_by_reason"]) == {"quota_or_capacity": 1}
    assert d11["fallback_rate"] == approx(0.5)
    assert d11["requested_cost_usd"] == approx(0.001 + 0.003)
    assert d11["billed_cost_usd"] == approx(0.0008 + 0.003)
    assert d11["saved_by_fallback_usd"] == approx(0.0002)
    assert not got[0]["fallbacks_by_reason"]


@expected("routing_pairs")
def test_routing_pairs(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, f"SELECT * FROM routing_pairs WHERE model = '{H35}' "
                    "ORDER BY inference_region")
    # from us-east-2 via 'us': east r1, r6, r7 (3 requests, 1200 + 1400 + 1400 tokens),
    # west r2, r3 (2 requests, 1200 + 600 tokens)
    assert [(r["inference_region"], r["requests"], r["total_tokens"]) for r in got] == [
        ("us-east-2", 3, 4000), ("us-west-2", 2, 1800)]
    assert got[0]["request_share"] == approx(0.6)
    assert got[1]["token_share"] == approx(1800 / 5800)
    assert [r["requests_with_latency"] for r in got] == [3, 2]
    assert got[0]["p50_latency_ms"] is None  # 3 < 20
    assert got[1]["mean_latency_ms"] == approx(1750.0)


@expected("routing_profile_vs_direct")
def test_routing_profile_vs_direct(con: duckdb.DuckDBPyConnection) -> None:
    got = {(r["model"], r["served_latency"]): r
           for r in rows(con, "SELECT * FROM routing_profile_vs_direct")}
    # successful calls with a known model: r1-r4, r6, r7; one row per model and served mode
    assert set(got) == {(H35, "optimized"), (H35, "standard"), (S35, "unknown")}
    opt, std = got[(H35, "optimized")], got[(H35, "standard")]
    assert (opt["profile_requests"], opt["direct_requests"]) == (2, 0)  # r1, r7
    assert opt["profile_rerouted_share"] == approx(0.0)
    assert opt["profile_mean_latency_ms"] == approx((1000 + 1600) / 2)
    assert (std["profile_requests"], std["direct_requests"]) == (3, 0)  # r2, r3, r6
    assert std["profile_rerouted_share"] == approx(2 / 3)
    assert std["profile_requests_with_latency"] == 3
    assert std["profile_mean_latency_ms"] == approx((2000 + 1500 + 3000) / 3)
    assert std["profile_p50_latency_ms"] is None  # 3 < 20
    assert std["direct_mean_latency_ms"] is None and std["mean_latency_diff_ms"] is None
    s = got[(S35, "unknown")]
    assert (s["profile_requests"], s["direct_requests"]) == (0, 1)
    assert s["direct_requests_with_latency"] == 0


@expected("cost_by_dimension")
def test_cost_by_dimension(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, value, requests, unpriced_requests, cost_usd, priced_share "
                    "FROM cost_by_dimension WHERE dimension = 'caller' ORDER BY day, value")
    assert [(r["day"], r["value"], r["requests"], r["unpriced_requests"]) for r in got] == [
        (D10, "alice", 2, 0), (D11, "alice", 2, 0), (D11, "bob", 2, 0), (D11, "carol", 1, 1)]
    # carol's only request is unpriced: her cost is unknown (NULL), not $0.
    assert [r["cost_usd"] for r in got] == [
        approx(0.0036), approx(0.0054), approx(0.0107), None]
    assert [r["priced_share"] for r in got] == [1.0, 1.0, 1.0, 0.0]
    scopes = rows(con, "SELECT value, sum(requests) AS n FROM cost_by_dimension "
                       "WHERE dimension = 'profile_scope' GROUP BY value ORDER BY value")
    assert [(r["value"], r["n"]) for r in scopes] == [
        ("(direct)", 1), ("application", 1), ("us", 5)]
    dims = rows(con, "SELECT DISTINCT dimension FROM cost_by_dimension ORDER BY 1")
    assert [r["dimension"] for r in dims] == [
        "caller", "latency_mode", "model", "profile_scope", "region"]


@expected("cost_by_metadata_key")
def test_cost_by_metadata_key(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM cost_by_metadata_key ORDER BY metadata_key, metadata_value")
    assert [(r["metadata_key"], r["metadata_value"], r["requests"]) for r in got] == [
        ("env", "prod", 1), ("team", "a", 1), ("team", "b", 2)]
    assert got[2]["cost_usd"] == approx(0.0008 + 0.0099)
    assert (got[2]["unpriced_requests"], got[2]["priced_share"]) == (0, 1.0)
    assert got[2]["input_tokens"] == 2500


@expected("cache_savings")
def test_cache_savings(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["model"]: r for r in rows(con, "SELECT * FROM cache_savings")}
    s = got[S35]
    assert (s["requests"], s["requests_with_cache_read"], s["cache_read_tokens"]) == (1, 1, 8000)
    assert s["cache_hit_ratio"] == approx(0.8)
    assert s["cost_usd"] == approx(0.0099)
    assert s["no_cache_cost_usd"] == approx(0.0315)
    assert s["savings_usd"] == approx(0.0216)
    assert got[H35]["cache_hit_ratio"] == approx(0.0)
    assert got[H35]["savings_usd"] == approx(0.0)


@expected("unpriced_by_model")
def test_unpriced_by_model(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM unpriced_by_model")
    assert [(r["model_id"], r["model"], r["requests"]) for r in got] == [(APP_ARN, None, 1)]
    assert got[0]["reason"] == "unpriced: model unknown (application_profile_arn)"


@expected("errors_daily")
def test_errors_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM errors_daily")
    assert [(r["day"], r["model_id"], r["error_code"], r["errors"], r["requests"])
            for r in got] == [(D11, APP_ARN, "ThrottlingException", 1, 1)]
    assert got[0]["error_rate"] == approx(1.0)


@expected("guardrail_interventions")
def test_guardrail_interventions(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM guardrail_interventions")
    assert [(r["day"], r["model"], r["interventions"], r["requests"], r["callers_intervened"])
            for r in got] == [(D11, S35, 1, 1, 1)]
    assert got[0]["intervention_rate"] == approx(1.0)


@expected("summary_overview")
def test_summary_overview(con: duckdb.DuckDBPyConnection) -> None:
    (s,) = rows(con, "SELECT * FROM summary_overview")
    assert (s["requests"], s["input_tokens"], s["output_tokens"]) == (7, 6500, 1400)
    assert (s["cache_read_tokens"], s["unpriced_requests"]) == (8000, 1)
    assert s["priced_share"] == approx(6 / 7)
    assert s["cost_usd"] == approx(0.002 + 0.0016 + 0.0008 + 0.0099 + 0.0024 + 0.003)
    # five latencies (1000, 1500, 1600, 2000, 3000): too few for p50 (20) or p99 (100)
    assert s["requests_with_latency"] == 5
    assert (s["p50_latency_ms"], s["p99_latency_ms"]) == (None, None)
    assert s["error_rate"] == approx(1 / 7)
    assert s["share_optimized"] == approx(2 / 7)
    assert s["share_cross_region"] == approx(2 / 7)
    assert (s["first_ts"], s["last_ts"]) == (
        utc("2025-01-10T10:00:00Z"), utc("2025-01-11T13:00:00Z"))


@expected("quarantine_reasons")
def test_quarantine_reasons(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM quarantine_reasons ORDER BY reason")
    assert [(r["reason"], r["quarantined"], r["sources"], r["example_source"])
            for r in got] == [
        ("malformed_json", 2, 2, "s3://b/k1.json.gz"),
        ("missing_request_id", 1, 1, "s3://b/k2.json.gz"),
    ]
    assert got[0]["example_detail"] == "unexpected end"


@expected("ingest_runs")
def test_ingest_runs(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM ingest_runs")
    assert [r["run_id"] for r in got] == ["b2", "a1"]  # newest first
    assert got[1]["lines_per_s"] == approx(100.0)
    assert got[1]["mib_per_s"] == approx(1.0)
    assert got[1]["written_share"] == approx(0.9)
    assert got[0]["mib_per_s"] == approx(0.5)
    # a1 counted 7 of its 90 duplicates as conflicting; b2's record predates the count: NULL
    assert (got[1]["conflicting"], got[0]["conflicting"]) == (7, None)


@expected("latency_coverage")
def test_latency_coverage(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT model_id, operation, requests, requests_with_latency, "
                    "latency_share FROM latency_coverage ORDER BY model_id")
    assert [tuple(r.values()) for r in got] == [
        (S35, "InvokeModel", 1, 0, 0.0),
        (APP_ARN, "Converse", 1, 0, 0.0),
        ("us." + H35, "Converse", 5, 5, 1.0),
    ]


@expected("freshness")
def test_freshness(con: duckdb.DuckDBPyConnection) -> None:
    (f,) = rows(con, "SELECT * FROM freshness")
    assert f["newest_ts"] == utc("2025-01-11T13:00:00Z")
    assert f["newest_run_finished_at"] == utc("2025-01-12T00:00:04Z")
    assert (f["requests"], f["runs"]) == (7, 2)
    now = dt.datetime.now(dt.UTC)
    assert f["newest_ts_age_hours"] == pytest.approx(
        (now - utc("2025-01-11T13:00:00Z")).total_seconds() / 3600, abs=0.1)


# --- the rollup views (docs/rollups.md): ROWS rolled up by ingest.rollup ------------------
# Every row of ROWS is its own hour, and no two share a day and the whole grain, so both
# rollups hold 7 rows; the daily one at 00:00 of each day.


@expected("rollup_hourly")
def test_rollup_hourly(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT hour, day, requests, errors, latency_ms_count, latency_ms_sum, "
                    "input_tokens, cache_read_tokens FROM rollup_hourly ORDER BY hour")
    assert [r["hour"] for r in got][:2] == [utc("2025-01-10T10:00:00Z"),
                                             utc("2025-01-10T11:00:00Z")]
    assert [r["requests"] for r in got] == [1] * 7
    assert [r["errors"] for r in got] == [0, 0, 0, 0, 1, 0, 0]  # r5 throttled
    assert [r["latency_ms_sum"] for r in got] == [1000, 2000, 1500, None, None, 3000, 1600]
    assert got[3]["cache_read_tokens"] == 8000 and got[3]["input_tokens"] == 2000  # r4


@expected("rollup_daily")
def test_rollup_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, hour, sum(requests) AS requests, count(*) AS n, "
                    "sum(latency_ms_count) AS with_latency FROM rollup_daily GROUP BY ALL "
                    "ORDER BY day")
    assert [(r["day"], r["hour"], r["requests"], r["n"], r["with_latency"]) for r in got] == [
        (D10, utc("2025-01-10T00:00:00Z"), 2, 2, 2),
        (D11, utc("2025-01-11T00:00:00Z"), 5, 5, 3),
    ]


@expected("rollup_staleness")
def test_rollup_staleness(con: duckdb.DuckDBPyConnection) -> None:
    raw_snapshot = queries.read_plan(con).snapshot_id
    got = rows(con, "SELECT * FROM rollup_staleness ORDER BY table_name")
    assert raw_snapshot is not None
    assert [(r["table_name"], r["rollup_of"], r["raw_snapshot_id"], r["state"], r["is_current"])
            for r in got] == [
        (name, raw_snapshot, raw_snapshot, "current", True)
        for name in ("prompt_pairs_daily", "rollup_daily", "rollup_daily_models",
                     "rollup_daily_sketches", "rollup_hourly", "rollup_tags_daily")
    ]
    # one row per derived table the lake declares: a new table cannot be left out
    assert {r["table_name"] for r in got} == set(DERIVED_TABLES)


@expected("rollup_daily_cost")
def test_rollup_daily_cost(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, sum(cost_usd) AS cost, sum(requested_cost_usd) AS asked, "
                    "sum(requests) FILTER (WHERE NOT priced) AS unpriced, "
                    "list(DISTINCT unpriced_reason) FILTER (WHERE NOT priced) AS why "
                    "FROM rollup_daily_cost GROUP BY day ORDER BY day")
    # D10: r1 0.002 + r2 0.0016; D11: r3 0.0008 + r4 0.0099 + r6 0.0024 + r7 0.003, r5 unpriced
    assert got[0]["cost"] == approx(0.0036) and got[0]["asked"] == approx(0.0036)
    assert got[0]["unpriced"] is None
    assert got[1]["cost"] == approx(0.0161)
    # r3 asked optimized: 0.001 instead of the 0.0008 billed
    assert got[1]["asked"] == approx(0.0163)
    assert (got[1]["unpriced"], got[1]["why"]) == (1, ["model unknown (application_profile_arn)"])
    (r4,) = rows(con, "SELECT input_rate, output_rate, cache_read_rate, latency_mode, "
                      "latency_mode_basis FROM rollup_daily_cost WHERE profile_scope IS NULL "
                      "AND model IS NOT NULL")
    assert tuple(r4.values()) == (3.0, 15.0, 0.3, "standard", "requested")


@expected("rollup_hourly_cost")
def test_rollup_hourly_cost(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT hour, cost_usd, requested_cost_usd, priced FROM rollup_hourly_cost "
                    "ORDER BY hour")
    assert [r["cost_usd"] for r in got] == [
        approx(0.002), approx(0.0016), approx(0.0008), approx(0.0099), None, approx(0.0024),
        approx(0.003)]
    assert got[2]["requested_cost_usd"] == approx(0.001)  # r3: fell back from optimized
    assert [r["priced"] for r in got] == [True, True, True, True, False, True, True]


@expected("rollup_usage_daily")
def test_rollup_usage_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM rollup_usage_daily ORDER BY day")
    assert [tuple(r.values())[:6] + tuple(r.values())[7:] for r in got] == [
        (D10, 2, 0, 2000, 400, 2400, 0),
        # total: r3 600 + r4 2000+100+8000 + r6 1400 + r7 1400
        (D11, 5, 1, 4500, 1000, 13500, 1),
    ]
    assert [r["cost_usd"] for r in got] == [approx(0.0036), approx(0.0161)]


@expected("rollup_latency_daily")
def test_rollup_latency_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM rollup_latency_daily ORDER BY day, served_latency")
    assert [(r["day"], r["served_latency"], r["requests_with_latency"], r["mean_latency_ms"])
            for r in got] == [
        (D10, "optimized", 1, 1000.0), (D10, "standard", 1, 2000.0),
        (D11, "optimized", 1, 1600.0), (D11, "standard", 2, 2250.0),
    ]
    assert {r["model"] for r in got} == {H35}
    # under 20 values: no percentile (the guarded_quantile rule)
    assert all(r[k] is None for r in got for k in ("p50_latency_ms", "p99_latency_ms"))


@expected("rollup_decode_fit")
def test_rollup_decode_fit(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT * FROM rollup_decode_fit ORDER BY served_latency")
    # optimized r1 (200, 1000), r7 (400, 1600): 3 ms/token from 400 ms.
    # standard r2 (200, 2000), r3 (100, 1500), r6 (400, 3000): 5 ms/token from 1000 ms.
    assert [(r["model"], r["served_latency"], r["n"]) for r in got] == [
        (H35, "optimized", 2), (H35, "standard", 3)]
    assert [r["ms_per_output_token"] for r in got] == [approx(3.0), approx(5.0)]
    assert [r["intercept_ms"] for r in got] == [approx(400.0), approx(1000.0)]
    assert [r["r2"] for r in got] == [approx(1.0), approx(1.0)]
    assert [r["decode_tokens_per_s"] for r in got] == [approx(1000 / 3), approx(200.0)]


@expected("rollup_daily_live")
def test_rollup_daily_live(con: duckdb.DuckDBPyConnection) -> None:
    # The rollup is current here, so the live view is the table's rows.
    got = rows(con, "SELECT day, sum(requests) AS requests, sum(errors) AS errors, "
                    "sum(output_tokens) AS output_tokens FROM rollup_daily_live GROUP BY day "
                    "ORDER BY day")
    assert [tuple(r.values()) for r in got] == [(D10, 2, 0, 400), (D11, 5, 1, 1000)]


@expected("rollup_daily_from_raw")
def test_rollup_daily_from_raw(con: duckdb.DuckDBPyConnection) -> None:
    # Computed from the raw rows whatever the table holds: r1, r2 on D10; r3..r7 on D11
    # (r5 the one error); output tokens 200 + 200 and 100 + 100 + 0 + 400 + 400.
    got = rows(con, "SELECT day, sum(requests) AS requests, sum(errors) AS errors, "
                    "sum(output_tokens) AS output_tokens, count(*) AS n "
                    "FROM rollup_daily_from_raw GROUP BY day ORDER BY day")
    assert [tuple(r.values()) for r in got] == [(D10, 2, 0, 400, 2), (D11, 5, 1, 1000, 5)]


@expected("rollup_rate_keys")
def test_rollup_rate_keys(con: duckdb.DuckDBPyConnection) -> None:
    # r1 = r7, r2 = r6, r3 and r4 are distinct keys; r5 has no model.
    got = con.execute("SELECT * FROM rollup_rate_keys ORDER BY ALL").fetchall()
    assert got == [
        (H35, "us", "us-east-2", "optimized", "optimized"),
        (H35, "us", "us-east-2", "standard", "optimized"),
        (H35, "us", "us-east-2", "standard", "standard"),
        (S35, None, "us-east-1", None, "standard"),
    ]


def test_lake_rates_hold_both_modes_of_every_key(con: duckdb.DuckDBPyConnection) -> None:
    # The rates the ROWS comments price with: H35 $0.80/$4 standard, $1/$5 optimized;
    # S35 $3/$15 standard. Both modes of every key, whichever ran.
    got = con.execute(
        "SELECT model, scope_key, region_key, mode, input_rate, output_rate FROM lake_rates "
        "WHERE tier_min_prompt_tokens = 0 AND valid_to IS NULL ORDER BY ALL").fetchall()
    assert [(r[3], float(r[4]), float(r[5])) for r in got if r[0] == H35] == [
        ("optimized", 1.0, 5.0), ("standard", 0.8, 4.0)]
    assert {(r[1], r[2]) for r in got if r[0] == H35} == {("us", "us-east-2")}
    assert [(r[1], r[2], r[3], float(r[4]), float(r[5])) for r in got
            if r[0] == S35 and r[3] == "standard"] == [("direct", "us-east-1", "standard",
                                                        3.0, 15.0)]


# The model cube: the daily rollup without hour/account/caller/operation. No two rows of a
# day differ only in those here (D10: r1 optimized vs r2 standard; D11: r3..r7 differ in
# model, mode or region), so the cube holds the same 2 + 5 rows, and no caller column.


@expected("rollup_daily_models")
def test_rollup_daily_models(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, sum(requests) AS requests, count(*) AS n, "
                    "sum(latency_ms_count) AS with_latency, sum(latency_ms_sum) AS latency "
                    "FROM rollup_daily_models GROUP BY ALL ORDER BY day")
    # latency: D10 r1 1000 + r2 2000; D11 r3 1500 + r6 3000 + r7 1600
    assert [tuple(r.values()) for r in got] == [(D10, 2, 2, 2, 3000.0), (D11, 5, 5, 3, 6100.0)]
    columns = [r[0] for r in con.execute("DESCRIBE rollup_daily_models").fetchall()]
    assert not {"hour", "account_id", "caller", "operation"} & set(columns)


@expected("rollup_daily_models_live")
def test_rollup_daily_models_live(con: duckdb.DuckDBPyConnection) -> None:
    # Current here: the table's rows.
    got = rows(con, "SELECT day, sum(requests) AS requests, sum(errors) AS errors, "
                    "sum(output_tokens) AS output_tokens FROM rollup_daily_models_live "
                    "GROUP BY day ORDER BY day")
    assert [tuple(r.values()) for r in got] == [(D10, 2, 0, 400), (D11, 5, 1, 1000)]


@expected("rollup_daily_models_from_daily")
def test_rollup_daily_models_from_daily(con: duckdb.DuckDBPyConnection) -> None:
    # Merged from the daily rows whatever the cube table holds: the same 2 + 5 rows.
    got = rows(con, "SELECT day, sum(requests) AS requests, sum(errors) AS errors, "
                    "sum(output_tokens) AS output_tokens, count(*) AS n "
                    "FROM rollup_daily_models_from_daily GROUP BY day ORDER BY day")
    assert [tuple(r.values()) for r in got] == [(D10, 2, 0, 400, 2), (D11, 5, 1, 1000, 5)]


# The sketch table: day x model x served x requested mode. D10: r1 (optimized/optimized),
# r2 (standard/standard); D11: r3 (served standard, asked optimized), r4 (Sonnet, served
# unknown), r5 (no model: keeps its model_id), r6 (standard), r7 (optimized): 2 + 5 rows;
# latencies r1 1000, r2 2000 | r3 1500, r6 3000, r7 1600 (r4, r5 none).
_SKETCH_TOTALS = ("SELECT day, count(*) AS n, sum(latency_ms_count) AS with_latency, "
                  "count(model_id) AS model_ids, "
                  "sum(list_sum(list_transform(latency_ms_sketch, lambda e: e.n))) AS in_sketch "
                  "FROM {view} GROUP BY day ORDER BY day")
_SKETCH_ROWS = [(D10, 2, 2, 0, 2), (D11, 5, 3, 1, 3)]


@expected("rollup_daily_sketches")
def test_rollup_daily_sketches(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, _SKETCH_TOTALS.format(view="rollup_daily_sketches"))
    assert [tuple(r.values()) for r in got] == _SKETCH_ROWS


@expected("rollup_daily_sketches_live")
def test_rollup_daily_sketches_live(con: duckdb.DuckDBPyConnection) -> None:
    # Current here: the table's rows.
    got = rows(con, _SKETCH_TOTALS.format(view="rollup_daily_sketches_live"))
    assert [tuple(r.values()) for r in got] == _SKETCH_ROWS


@expected("rollup_daily_sketches_from_cube")
def test_rollup_daily_sketches_from_cube(con: duckdb.DuckDBPyConnection) -> None:
    # The cube's rows, whatever the sketch table holds: no two cube rows of a day share a
    # sketch key here, so the same 2 + 5 rows.
    got = rows(con, _SKETCH_TOTALS.format(view="rollup_daily_sketches_from_cube"))
    assert [tuple(r.values()) for r in got] == _SKETCH_ROWS


@expected("rollup_daily_models_cost")
def test_rollup_daily_models_cost(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, sum(cost_usd) AS cost, sum(requested_cost_usd) AS asked, "
                    "sum(requests) FILTER (WHERE NOT priced) AS unpriced "
                    "FROM rollup_daily_models_cost GROUP BY day ORDER BY day")
    # As rollup_daily_cost: D10 0.002 + 0.0016; D11 0.0008 + 0.0099 + 0.0024 + 0.003, r5
    # unpriced; r3 asked optimized (0.001 instead of 0.0008)
    assert got[0]["cost"] == approx(0.0036) and got[0]["unpriced"] is None
    assert got[1]["cost"] == approx(0.0161) and got[1]["asked"] == approx(0.0163)
    assert got[1]["unpriced"] == 1


# --- the tag rollup (ingest/tag_rollup.py): r1 team=a (D10); r3 team=b and env=prod, r4
# team=b (D11); r2 (D10), r5, r6, r7 (D11) carry no tag. Each tag of a request is one count;
# an untagged request counts once under a NULL key.
_TAG_TOTALS = ("SELECT day, tag_key, tag_value, sum(requests) AS requests, "
               "sum(errors) AS errors, sum(input_tokens) AS input_tokens, "
               "sum(output_tokens) AS output_tokens FROM {view} GROUP BY ALL "
               "ORDER BY day, tag_key NULLS LAST, tag_value")
_TAG_ROWS = [
    (D10, "team", "a", 1, 0, 1000, 200),  # r1
    (D10, None, None, 1, 0, 1000, 200),  # r2
    (D11, "env", "prod", 1, 0, 500, 100),  # r3
    (D11, "team", "b", 2, 0, 2500, 200),  # r3 + r4
    (D11, None, None, 3, 1, 2000, 800),  # r5 (throttled, no tokens), r6, r7
]


@expected("rollup_tags_daily")
def test_rollup_tags_daily(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, _TAG_TOTALS.format(view="rollup_tags_daily"))
    assert [tuple(r.values()) for r in got] == _TAG_ROWS


@expected("rollup_tags_daily_live")
def test_rollup_tags_daily_live(con: duckdb.DuckDBPyConnection) -> None:
    # Current here: the table's rows (tests/test_tag_rollup_views.py checks the raw branch).
    assert rows(con, "SELECT logbook_rollup_tags_daily_current() AS c") == [{"c": True}]
    got = rows(con, _TAG_TOTALS.format(view="rollup_tags_daily_live"))
    assert [tuple(r.values()) for r in got] == _TAG_ROWS


@expected("rollup_tags_cost")
def test_rollup_tags_cost(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT day, tag_key, tag_value, sum(cost_usd) AS cost, "
                    "sum(requests) FILTER (WHERE NOT priced) AS unpriced, "
                    "list(DISTINCT unpriced_reason) FILTER (WHERE NOT priced) AS why "
                    "FROM rollup_tags_cost GROUP BY ALL "
                    "ORDER BY day, tag_key NULLS LAST, tag_value")
    # r1 0.002, r2 0.0016, r3 0.0008, r4 0.0099, r6 0.0024, r7 0.003 (ROWS' comments); r5
    # unpriced (no model known)
    assert [(r["day"], r["tag_key"], r["tag_value"]) for r in got] == [t[:3] for t in _TAG_ROWS]
    assert [r["cost"] for r in got] == [approx(0.002), approx(0.0016), approx(0.0008),
                                        approx(0.0107), approx(0.0054)]
    assert [r["unpriced"] for r in got] == [None, None, None, None, 1]
    assert got[4]["why"] == ["model unknown (application_profile_arn)"]
