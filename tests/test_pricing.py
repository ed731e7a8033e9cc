"""Pricing on hand-made lake rows: genai-prices' table, endpoints, cache TTLs, service tiers,
user rows, prompt-size tiers and unpriced requests. Every expected cost is worked out here from
a published rate written beside it.

Rates used (USD per million tokens):
- Claude Sonnet 4.5, global profile: input 3, output 15, cache write 5 min 3.75, 1 hour 6,
  read 0.30; geographic profiles and in-Region: 3.30 / 16.50 / 4.125 / 6.60 / 0.33 (AWS price
  list as carried by genai-prices 0.2.3; https://aws.amazon.com/bedrock/pricing/).
- Claude 3.5 Haiku: 0.80 / 4.00 standard, 1.00 / 5.00 latency-optimized (blog "【Amazon
  Bedrock】Claude 3.5 HaikuのLatency-optimized inferenceって結局速いの?", seed 001).
- Service tiers: priority = standard + 75%, flex = standard - 50% (third parties' reading of
  https://aws.amazon.com/bedrock/pricing/; AWS's https://aws.amazon.com/bedrock/service-tiers
  says only "Standard rate + premium" / "Discounted standard model rate": UNCONFIRMED).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from genai_prices import Usage, calc_price

from bedrock_logbook import queries
from bedrock_logbook.queries.price_report import explain
from bedrock_logbook.queries.prices import project_prices, project_tiers
from tests.lake_fixtures import write_invocations

ROOT = Path(__file__).resolve().parents[1]
S45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
TS = "2026-11-01T12:00:00Z"


def row(request_id: str, model: str = S45, scope: str | None = "global",
        **extra: Any) -> dict[str, Any]:
    model_id = model if scope in (None, "application") else f"{scope}.{model}"
    base: dict[str, Any] = {
        "request_id": request_id, "ts": TS, "model_id": model_id, "model": model,
        "profile_scope": scope, "region": "us-west-2", "inference_region": "us-west-2",
        "operation": "Converse", "caller": "alice", "requested_latency": "standard",
        "served_latency": "standard", "input_tokens": 1000, "output_tokens": 100,
    }
    base.update(extra)
    return base


def lake_con(tmp_path: Path, rows: list[dict[str, Any]],
             prices: Path | None = None) -> duckdb.DuckDBPyConnection:
    lake = tmp_path / "lake"
    write_invocations(lake, rows)
    return queries.connect(lake, prices=prices)


def by_id(con: duckdb.DuckDBPyConnection, columns: str) -> dict[str, dict[str, Any]]:
    cur = con.execute(f"SELECT request_id, {columns} FROM invocations")
    names = [d[0] for d in cur.description or ()]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-15)


def test_global_and_geographic_endpoints_are_priced_apart(tmp_path: Path) -> None:
    con = lake_con(tmp_path, [row("g", scope="global"), row("us", scope="us"),
                              row("eu", scope="eu"), row("direct", scope=None)])
    got = by_id(con, "cost_usd, price_source")
    assert got["g"]["cost_usd"] == approx((1000 * 3 + 100 * 15) / 1e6)  # 0.0045
    for geo in ("us", "eu", "direct"):  # 10% above global
        assert got[geo]["cost_usd"] == approx((1000 * 3.30 + 100 * 16.50) / 1e6)  # 0.00495
    assert "genai-prices" in got["g"]["price_source"]
    assert "aws/global." in got["g"]["price_source"]
    assert "aws/regional." in got["us"]["price_source"]


# (model, profile scope) pairs from our samples and the real records.
MATCH_CASES = [
    (S45, "global"), (S45, "us"), (S45, "apac"), (S45, None),
    ("anthropic.claude-opus-4-5-20251101-v1:0", "global"),
    ("anthropic.claude-opus-4-5-20251101-v1:0", None),
    ("anthropic.claude-opus-4-6-v1", "global"), ("anthropic.claude-opus-4-6-v1", "us"),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", "global"),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", "us"),
    (H35, "us"), (H35, None), ("anthropic.claude-3-haiku-20240307-v1:0", None),
    ("amazon.nova-lite-v1:0", None), ("amazon.nova-pro-v1:0", "us"),
    ("meta.llama3-1-70b-instruct-v1:0", None), ("amazon.titan-text-express-v1", None),
]


def test_model_matching_agrees_with_genai_prices_own_matcher(tmp_path: Path) -> None:
    """Our SQL port of genai-prices' match rules picks the model genai-prices itself picks."""
    rows = [row(f"m{i}", model=m, scope=s) for i, (m, s) in enumerate(MATCH_CASES)]
    got = by_id(con := lake_con(tmp_path, rows), "input_rate, output_rate")
    con.close()
    when = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    for i, (model, scope) in enumerate(MATCH_CASES):
        ref = model if scope is None else f"{scope}.{model}"
        # genai-prices' Usage.input_tokens includes cache tokens; none here.
        expected = calc_price(Usage(input_tokens=1000, output_tokens=100), ref,
                              provider_id="aws", genai_request_timestamp=when)
        ours = (1000 * got[f"m{i}"]["input_rate"] + 100 * got[f"m{i}"]["output_rate"]) / 1e6
        assert ours == approx(float(expected.total_price)), ref


def test_cache_writes_priced_at_their_ttl_rate(tmp_path: Path) -> None:
    con = lake_con(tmp_path, [
        row("split", input_tokens=100, output_tokens=10, cache_write_tokens=3000,
            cache_write_5m_tokens=1000, cache_write_1h_tokens=2000),
        row("nosplit", input_tokens=100, output_tokens=10, cache_write_tokens=3000),
        row("hour", input_tokens=100, output_tokens=10, cache_write_tokens=3000,
            cache_write_1h_tokens=3000),
    ])
    got = by_id(con, "cost_usd, price_source")
    # 100 x 3 + 10 x 15 + 1000 x 3.75 (5 min) + 2000 x 6 (1 hour)
    assert got["split"]["cost_usd"] == approx((300 + 150 + 3750 + 12000) / 1e6)
    # no split: all 3000 at the 5-minute rate, and the source says so
    assert got["nosplit"]["cost_usd"] == approx((300 + 150 + 3000 * 3.75) / 1e6)
    assert "5-minute rate" in got["nosplit"]["price_source"]
    assert "5-minute rate" not in got["split"]["price_source"]
    assert got["hour"]["cost_usd"] == approx((300 + 150 + 3000 * 6) / 1e6)


def test_a_class_without_its_own_rate_is_billed_at_its_parents_rate(tmp_path: Path) -> None:
    """genai-prices nests cache tokens within input and 1-hour writes within cache writes: with
    no cache-write rate for Nova Pro its writes cost the input rate ($0.80), and Claude 3.5
    Haiku's 1-hour writes cost its cache-write rate ($1.00, no 1-hour rate listed)."""
    con = lake_con(tmp_path, [
        row("nova", model="amazon.nova-pro-v1:0", scope="us", input_tokens=1000,
            output_tokens=100, cache_write_tokens=2000),
        row("h35", model=H35, scope="us", input_tokens=1000, output_tokens=100,
            cache_write_tokens=2000, cache_write_1h_tokens=2000),
    ])
    got = by_id(con, "cost_usd, price_source")
    assert got["nova"]["cost_usd"] == approx((1000 * 0.80 + 100 * 3.20 + 2000 * 0.80) / 1e6)
    assert got["h35"]["cost_usd"] == approx((1000 * 0.80 + 100 * 4.00 + 2000 * 1.00) / 1e6)
    when = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    oracle = calc_price(Usage(input_tokens=3000, cache_write_tokens=2000, output_tokens=100),
                        "us.amazon.nova-pro-v1:0", provider_id="aws",
                        genai_request_timestamp=when)
    assert got["nova"]["cost_usd"] == approx(float(oracle.total_price))
    e = explain(con, "nova")
    assert e is not None
    (write,) = [line for line in e.lines if line.token_class == "cache_write (5 min)"]
    assert write.source and "bills these tokens at the input rate" in write.source


def test_service_tiers_priced_at_their_rates(tmp_path: Path) -> None:
    con = lake_con(tmp_path, [
        row("none"), row("default", service_tier="default"),
        row("priority", service_tier="priority"), row("flex", service_tier="flex"),
        row("reserved", service_tier="reserved"),
        row("h35", model=H35, scope="us", service_tier="priority"),
    ])
    got = by_id(con, "cost_usd, priced, price_source")
    standard = (1000 * 3 + 100 * 15) / 1e6  # 0.0045 at the global profile's rates
    assert got["none"]["cost_usd"] == approx(standard)
    assert got["default"]["cost_usd"] == approx(standard)
    assert got["priority"]["cost_usd"] == approx(standard * 1.75)  # +75%: 0.007875
    assert got["flex"]["cost_usd"] == approx(standard * 0.5)  # -50%: 0.00225
    assert "priority tier x1.75" in got["priority"]["price_source"]
    assert "UNCONFIRMED" in got["priority"]["price_source"]
    # Reserved capacity is billed by committed tokens per minute, not per request.
    assert got["reserved"]["cost_usd"] is None and got["reserved"]["priced"] is False
    assert got["reserved"]["price_source"].startswith("unpriced: reserved service tier")
    # No tier figure for this model: unpriced, never the default rate.
    assert got["h35"]["cost_usd"] is None
    assert "no priority service-tier rate" in got["h35"]["price_source"]


def test_user_row_wins_over_a_more_specific_packaged_row(tmp_path: Path) -> None:
    user = tmp_path / "mine.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        "source\n"
        # any mode: less specific than the packaged optimized row, still wins
        f"{H35},*,*,*,input,2024-01-01,0.5,contract 7\n"
        # any scope: the packaged rate is for the global profile only, still wins
        f"{S45},,,,input,2024-01-01,2,contract 8\n",
        encoding="utf-8")
    rows = [
        row("opt", model=H35, scope="us", requested_latency="optimized",
            served_latency="optimized", input_tokens=1_000_000, output_tokens=1_000_000),
        row("glob"),
    ]
    packaged = by_id(lake_con(tmp_path / "a", rows), "cost_usd")
    assert packaged["opt"]["cost_usd"] == approx(1.00 + 5.00)
    got = by_id(lake_con(tmp_path / "b", rows, prices=user), "cost_usd, price_source")
    assert got["opt"]["cost_usd"] == approx(0.50 + 5.00)  # output stays packaged ($5)
    assert got["opt"]["price_source"].endswith("contract 7")
    assert got["glob"]["cost_usd"] == approx((1000 * 2 + 100 * 15) / 1e6)


def test_prompt_size_tiers_follow_genai_prices(tmp_path: Path) -> None:
    """A tiered model: the rate above 100K prompt tokens applies to every token (genai-prices
    0.2.3, aws/global.anthropic.claude-haiku-5-5: input 0.1 -> 0.5, output 0.5 -> 2.5, cache
    read 0.01 -> 0.05 when prompt tokens exceed 100,000)."""
    model = "anthropic.claude-haiku-5-5-v1:0"
    con = lake_con(tmp_path, [
        row("at", model=model, input_tokens=100_000, output_tokens=1000),
        row("above", model=model, input_tokens=99_000, cache_read_tokens=1001,
            output_tokens=1000),
    ])
    got = by_id(con, "cost_usd")
    assert got["at"]["cost_usd"] == approx((100_000 * 0.1 + 1000 * 0.5) / 1e6)
    assert got["above"]["cost_usd"] == approx((99_000 * 0.5 + 1001 * 0.05 + 1000 * 2.5) / 1e6)
    # genai-prices itself agrees (its input_tokens include the cache reads).
    oracle = calc_price(Usage(input_tokens=100_001, cache_read_tokens=1001, output_tokens=1000),
                        "global." + model, provider_id="aws",
                        genai_request_timestamp=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert got["above"]["cost_usd"] == approx(float(oracle.total_price))


def test_unpriced_is_never_zero(tmp_path: Path) -> None:
    con = lake_con(tmp_path, [
        row("ok", caller="alice", request_metadata={"team": "a"}),
        row("no_counts", caller="alice", input_tokens=None, output_tokens=None,
            request_metadata={"team": "a"}),
        row("unknown_model", caller="bob", model="acme.x-v1", scope=None,
            request_metadata={"team": "b"}),
        row("failed", caller="carol", input_tokens=None, output_tokens=None,
            error_code="ThrottlingException"),
    ])
    got = by_id(con, "cost_usd, priced, price_source")
    assert got["no_counts"]["priced"] is False and got["no_counts"]["cost_usd"] is None
    assert got["no_counts"]["price_source"] == (
        "unpriced: succeeded without token counts in the log")
    assert got["unknown_model"]["cost_usd"] is None
    # A failed call is not billed: priced at $0 because there is nothing to bill.
    assert (got["failed"]["priced"], got["failed"]["cost_usd"]) == (True, 0.0)
    ok = (1000 * 3 + 100 * 15) / 1e6
    dims = {r[0]: r[1:] for r in con.execute(
        "SELECT value, requests, unpriced_requests, cost_usd, priced_share "
        "FROM cost_by_dimension WHERE dimension = 'caller'").fetchall()}
    assert dims["alice"] == (2, 1, approx(ok), 0.5)
    assert dims["bob"] == (1, 1, None, 0.0)  # nothing priced: NULL, not $0
    tags = {r[0]: r[1:] for r in con.execute(
        "SELECT metadata_value, unpriced_requests, cost_usd, priced_share "
        "FROM cost_by_metadata_key").fetchall()}
    assert tags == {"a": (1, approx(ok), 0.5), "b": (1, None, 0.0)}
    (summary,) = con.execute(
        "SELECT requests, unpriced_requests, cost_usd, priced_share FROM summary_overview"
    ).fetchall()
    assert summary == (4, 2, approx(ok + 0.0), 0.5)


def test_explain_lists_each_token_class_and_the_sum(tmp_path: Path) -> None:
    con = lake_con(tmp_path, [row("x", input_tokens=100, output_tokens=10,
                                  cache_read_tokens=500, cache_write_tokens=3000,
                                  cache_write_5m_tokens=1000, cache_write_1h_tokens=2000,
                                  service_tier="flex")])
    e = explain(con, "x")
    assert e is not None and explain(con, "nope") is None
    lines = {line.token_class: (line.tokens, line.usd_per_million, line.usd) for line in e.lines}
    assert lines == {
        "input": (100, 3.0, approx(100 * 3 / 1e6)),
        "output": (10, 15.0, approx(10 * 15 / 1e6)),
        "cache_read": (500, 0.3, approx(500 * 0.3 / 1e6)),
        "cache_write (5 min)": (1000, 3.75, approx(1000 * 3.75 / 1e6)),
        "cache_write (1 hour)": (2000, 6.0, approx(2000 * 6 / 1e6)),
    }
    expected = 0.5 * (300 + 150 + 150 + 3750 + 12000) / 1e6
    assert (e.multiplier, e.total_usd, e.cost_usd) == (0.5, approx(expected), approx(expected))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    # From outside the repository: the installed package must find its own files.
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd="/",
                          capture_output=True, text=True, env=dict(os.environ))


def test_prices_commands(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [row("abc", model=H35, scope="us", input_tokens=1679,
                                 output_tokens=162)])
    listed = run_cli("prices", "--lake", str(lake), "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    body = listed.stdout.splitlines()
    assert body[0].startswith("model,latency_mode") and len(body) > 400
    explained = run_cli("prices", "explain", "abc", "--lake", str(lake))
    assert explained.returncode == 0, explained.stderr
    # seed 003's standard call: 1679 x 0.80 + 162 x 4.00 = $0.0019912
    assert "sum: 0.00199120 USD" in explained.stdout
    assert "input" in explained.stdout and "genai-prices" in explained.stdout
    missing = run_cli("prices", "explain", "nope", "--lake", str(lake))
    assert missing.returncode == 3 and "no request 'nope'" in missing.stderr


def test_project_rows_name_a_public_source() -> None:
    for p in project_prices():
        assert "http" in p.source or '"' in p.source, p  # a URL or a document's title
    tiers = project_tiers()
    assert {t.service_tier for t in tiers} == {"priority", "flex"}
    for t in tiers:
        assert "https://aws.amazon.com/bedrock/service-tiers" in t.source
        assert "UNCONFIRMED" in t.source
        assert t.multiplier == (Decimal("1.75") if t.service_tier == "priority"
                                else Decimal("0.5"))
