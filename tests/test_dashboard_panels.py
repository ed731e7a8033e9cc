"""The dashboard's panel queries (queries/panels) against a synthetic lake: filters are bound,
never spliced, and results agree with the same numbers computed from the Parquet files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook import queries
from bedrock_logbook.dashboard.data import allow_reading_only
from bedrock_logbook.lake.location import DERIVED_TABLES
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters
from tests.browser.synthetic_lake import write_lake
from tests.rollup_lake import ensure_rollups

EXTRA = {"dimension": "model", "tag_key": "team", "grain": "day", "limit": 100, "offset": 0,
         "errors_only": False}
NO_FILTERS = Filters()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panels") / "lake"
    write_lake(path, rows=8000, days=6, last_day=date(2026, 11, 20))
    # the rollup tables built from the raw table (tests/rollup_lake.py): the panels read them
    # as on a lake ingest maintains
    assert ensure_rollups(path)
    return path


@pytest.fixture(scope="module")
def con(lake: Path) -> duckdb.DuckDBPyConnection:
    return queries.connect(lake)


@pytest.fixture(scope="module")
def rows(lake: Path) -> pd.DataFrame:
    """The lake read straight from Parquet, bypassing the views."""
    files = sorted(lake.glob("invocations/**/*.parquet"))  # the table's data files
    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    frame["day"] = frame["ts"].dt.date
    return frame


def run(con: duckdb.DuckDBPyConnection, name: str, filters: Filters = NO_FILTERS,
        **extra: Any) -> pd.DataFrame:
    return panels.run(con, panels.build(name, filters, {**EXTRA, **extra}))


def test_no_filters_means_no_predicate() -> None:
    assert panels.filter_predicate(Filters()) == ("TRUE", {})


def test_filter_values_are_bound_not_spliced() -> None:
    hostile = "x' OR '1'='1"
    predicate, params = panels.filter_predicate(
        Filters(start=date(2026, 11, 1), end=date(2026, 11, 2), callers=(hostile,),
                models=("m",), served_modes=("unknown",))
    )
    assert hostile not in predicate and "2026" not in predicate
    assert params["callers"] == [hostile]
    assert set(params) == {"start_day", "start_ts", "end_day", "end_ts", "callers", "models",
                           "served_modes"}
    predicate, params = panels.filter_predicate(Filters(accounts=(hostile,)))
    assert hostile not in predicate and params == {"accounts": [hostile]}


def test_every_panel_runs_with_and_without_filters(con: duckdb.DuckDBPyConnection,
                                                   rows: pd.DataFrame) -> None:
    everything = Filters(
        start=min(rows["day"]), end=max(rows["day"]), models=tuple(rows["model"].unique()),
        regions=tuple(rows["region"].unique()),
        inference_regions=tuple(rows["inference_region"].unique()),
        served_modes=("standard", "optimized", "unknown"),
        operations=tuple(rows["operation"].unique()), callers=tuple(rows["caller"].unique()),
        accounts=tuple(rows["account_id"].unique()),
    )
    assert len(panels.list_panels()) >= 20
    for name in panels.list_panels():
        plain, filtered = run(con, name), run(con, name, everything)
        # selecting every value of every filter changes nothing
        pd.testing.assert_frame_equal(plain, filtered, check_like=True, obj=name)


def test_every_panel_runs_on_a_missing_lake(tmp_path: Path) -> None:
    empty = queries.connect(tmp_path / "missing")
    for name in panels.list_panels():
        frame = run(empty, name)
        if name in ("overview_kpis", "filter_options", "health_freshness", "filter_accounts",
                    "requests_count"):
            assert len(frame) == 1, name  # one row of zeros / NULLs
        elif name == "health_derived_tables":  # every derived table, none built yet
            assert sorted(frame["table_name"]) == sorted(DERIVED_TABLES)
            assert set(frame["state"]) == {"empty"}
        else:
            assert frame.empty, name


def test_hostile_filter_value_selects_nothing(con: duckdb.DuckDBPyConnection) -> None:
    kpis = run(con, "overview_kpis", Filters(callers=("x' OR '1'='1",)))
    assert int(kpis["requests"].iloc[0]) == 0


def test_overview_kpis_match_parquet(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    days = sorted(rows["day"].unique())
    models = tuple(rows.loc[rows["served_latency"] == "optimized", "model"].unique()[:1])
    models += (rows.loc[rows["served_latency"] != "optimized", "model"].iloc[0],)
    filters = Filters(start=days[1], end=days[3], models=models, served_modes=("optimized",))
    expected = rows[(rows["day"] >= days[1]) & (rows["day"] <= days[3])
                    & rows["model"].isin(models) & (rows["served_latency"] == "optimized")]
    assert len(expected) > 0
    k = run(con, "overview_kpis", filters).iloc[0]
    assert int(k["requests"]) == len(expected)
    assert int(k["output_tokens"]) == int(expected["output_tokens"].sum())
    # from the rollup's sketches: the order statistic x_r, r = floor(0.5 (n - 1)), within 1%
    latencies = sorted(expected["latency_ms"].dropna())
    x_r = latencies[int(0.5 * (len(latencies) - 1))]
    assert k["p50_latency_ms"] == pytest.approx(x_r, rel=0.01)
    assert k["error_rate"] == pytest.approx(expected["error_code"].notna().mean())
    assert k["share_cross_region"] == pytest.approx(expected["cross_region"].mean())


def test_unknown_served_mode_filter_selects_null_served(con: duckdb.DuckDBPyConnection,
                                                         rows: pd.DataFrame) -> None:
    k = run(con, "overview_kpis", Filters(served_modes=("unknown",))).iloc[0]
    assert int(k["requests"]) == int(rows["served_latency"].isna().sum()) > 0


def test_routing_matrix_counts_pairs(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    got = run(con, "routing_matrix").set_index(["source_region", "inference_region"])["requests"]
    expected = rows.groupby(["region", "inference_region"]).size()
    assert dict(got) == {k: int(v) for k, v in expected.items()}


def test_latency_histogram_counts_every_request_with_a_latency(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame
) -> None:
    hist = run(con, "latency_histogram")
    per_mode = hist.groupby("served_mode")["requests"].sum()
    expected = rows.dropna(subset=["latency_ms"]).fillna({"served_latency": "unknown"})
    assert dict(per_mode) == dict(expected.groupby("served_latency").size())
    assert hist.groupby("served_mode").size().max() <= 40
    assert (hist["bin_end_ms"] > hist["bin_start_ms"]).all()


def test_decode_fit_matches_least_squares(con: duckdb.DuckDBPyConnection,
                                          rows: pd.DataFrame) -> None:
    fit = run(con, "decode_fit").set_index("served_mode")
    sel = rows[rows["error_code"].isna()].dropna(subset=["latency_ms"])  # successful calls
    sel = sel[sel["served_latency"] == "optimized"]
    slope, intercept = np.polyfit(sel["output_tokens"], sel["latency_ms"], 1)
    assert fit.loc["optimized", "ms_per_output_token"] == pytest.approx(slope, rel=1e-6)
    assert fit.loc["optimized", "intercept_ms"] == pytest.approx(intercept, rel=1e-6)
    line = run(con, "decode_fit_line")
    opt = line[line["served_mode"] == "optimized"].sort_values("output_tokens")
    assert opt["fitted_latency_ms"].iloc[0] == pytest.approx(intercept, rel=1e-6)
    # optimized decodes faster than standard in this lake (as built)
    assert fit.loc["optimized", "decode_tokens_per_s"] > fit.loc["standard", "decode_tokens_per_s"]


def test_scatter_is_a_bounded_sample(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    sample = run(con, "latency_vs_tokens_sample")
    assert len(sample) == min(2000, int(rows["latency_ms"].notna().sum()))


def test_fallbacks_are_optimized_requests_served_standard(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame
) -> None:
    got = run(con, "fallbacks_daily")
    expected = rows[(rows["requested_latency"] == "optimized")
                    & (rows["served_latency"] == "standard")]
    assert int(got["requests"].sum()) == len(expected) > 0
    assert set(got["fallback_reason"]) == set(expected["fallback_reason"])
    assert (got["saved_by_fallback_usd"] >= 0).all()  # standard is never dearer than optimized


def test_cost_by_dimension_sums_to_total_cost(con: duckdb.DuckDBPyConnection) -> None:
    total = run(con, "overview_kpis").iloc[0]
    for dimension in ("model", "served_mode", "requested_mode", "profile_scope", "caller",
                      "operation", "region", "inference_region"):
        by = run(con, "cost_by_dimension", dimension=dimension)
        assert int(by["requests"].sum()) == int(total["requests"]), dimension
        assert by["cost_usd"].sum() == pytest.approx(total["cost_usd"]), dimension
        assert "(none)" not in set(by["value"]) or dimension == "caller", dimension


def test_cost_by_metadata_splits_tagged_cost(con: duckdb.DuckDBPyConnection,
                                             rows: pd.DataFrame) -> None:
    tags = run(con, "cost_by_metadata")
    assert set(tags["metadata_key"]) == {"team"}
    tagged = rows["request_metadata"].map(lambda m: m is not None and len(m) > 0)
    assert int(tags["requests"].sum()) == int(tagged.sum())


def test_price_sources_call_out_unpriced_models(con: duckdb.DuckDBPyConnection) -> None:
    prices = run(con, "price_sources")
    unpriced = prices[~prices["priced"]]
    assert "ai21.jamba-1-5-mini-v1:0" in set(unpriced["model"])  # no shipped price for it
    # one row per reason, not one per day
    assert not unpriced["price_source"].str.contains(r"\d{4}-\d{2}-\d{2}$").any()


def test_health_panels_read_runs_and_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "health_runs")["rows_written"].tolist() == [8000]
    reasons = run(con, "health_quarantine_reasons").set_index("reason")["quarantined"]
    assert dict(reasons) == {"malformed_json": 1, "missing_field": 1}


def test_dashboard_connection_cannot_write_files(lake: Path, tmp_path: Path) -> None:
    locked = queries.connect(lake)
    allow_reading_only(locked, lake)
    assert int(run(locked, "overview_kpis").iloc[0]["requests"]) == 8000
    with pytest.raises(duckdb.Error):
        locked.execute(f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'")
    with pytest.raises(duckdb.Error):
        locked.execute("SET enable_external_access = true")


def test_what_if_brackets_actual_cost(con: duckdb.DuckDBPyConnection) -> None:
    what_if = run(con, "mode_what_if").set_index("model")
    both = what_if.dropna(subset=["all_optimized_cost_usd"])
    assert len(both) >= 1  # the lake has models served in both modes
    for model, row in both.iterrows():
        # optimized rates are above standard ones, so: all standard <= actual <= all optimized
        assert row["all_standard_cost_usd"] <= row["actual_cost_usd"], model
        assert row["actual_cost_usd"] <= row["all_optimized_cost_usd"], model
    only_standard = what_if[what_if["served_optimized"] == 0]
    assert (only_standard["all_standard_cost_usd"] == only_standard["actual_cost_usd"]).all()
    assert only_standard["all_optimized_cost_usd"].isna().all()


# --- dashboard v2 panels (issue 12): expected values computed here from the Parquet rows ---

LLAMA_70B = "meta.llama3-1-70b-instruct-v1:0"


def test_account_filter_selects_by_account(con: duckdb.DuckDBPyConnection,
                                           rows: pd.DataFrame) -> None:
    accounts = sorted(rows["account_id"].unique())
    assert run(con, "filter_accounts")["accounts"].iloc[0].tolist() == accounts
    assert len(accounts) == 2  # production and sandbox (synthetic_lake.ACCOUNTS)
    for account in accounts:
        k = run(con, "overview_kpis", Filters(accounts=(account,))).iloc[0]
        assert int(k["requests"]) == int((rows["account_id"] == account).sum())
    none = run(con, "overview_kpis", Filters(accounts=("999999999999",))).iloc[0]
    assert int(none["requests"]) == 0


def test_spend_daily_by_model_and_by_tag(con: duckdb.DuckDBPyConnection,
                                         rows: pd.DataFrame) -> None:
    by_model = run(con, "spend_daily", dimension="model")
    got = by_model.set_index(["day", "value"])["requests"]
    expected = rows.groupby(["day", "model"]).size()  # five models: none folded into 'other'
    assert {(pd.Timestamp(d).date(), m): int(n) for (d, m), n in got.items()} == {
        k: int(v) for k, v in expected.items()}
    total = run(con, "overview_kpis").iloc[0]
    assert by_model["cost_usd"].sum() == pytest.approx(total["cost_usd"])
    by_tag = run(con, "spend_daily", dimension="tag", tag_key="team")
    assert set(by_tag["value"]) == {"search", "support", "research", "(untagged)"}
    untagged = rows["request_metadata"].map(lambda m: m is None or len(m) == 0)
    assert int(by_tag.loc[by_tag["value"] == "(untagged)", "requests"].sum()) == int(
        untagged.sum())
    assert run(con, "tag_keys")["tag_key"].tolist() == ["team"]


def test_untagged_and_unpriced_shares(con: duckdb.DuckDBPyConnection,
                                      rows: pd.DataFrame) -> None:
    shares = run(con, "spend_shares_daily")
    # per request, priced and cost_usd as the invocations view has them; the shares are
    # this test's own aggregation of those
    costs = con.execute("SELECT request_id, cost_usd, priced FROM invocations").df()
    merged = rows.merge(costs, on="request_id")
    unpriced = merged[~merged["priced"]].groupby("day").size()
    assert unpriced.sum() > 0
    per_day = rows.groupby("day").size()
    got = shares.set_index(shares["day"].map(lambda d: pd.Timestamp(d).date()))
    for day, n in per_day.items():
        assert int(got.loc[day, "unpriced_requests"]) == int(unpriced.get(day, 0))
        assert got.loc[day, "unpriced_share"] == pytest.approx(unpriced.get(day, 0) / n)
    tagless = merged["request_metadata"].map(lambda m: m is None or len(m) == 0)
    expected = merged.loc[tagless, "cost_usd"].sum() / merged["cost_usd"].sum()
    assert shares["untagged_cost_usd"].sum() / shares["cost_usd"].sum() == pytest.approx(expected)


def test_latency_over_time_per_model_and_mode(con: duckdb.DuckDBPyConnection,
                                              rows: pd.DataFrame) -> None:
    got = run(con, "latency_over_time", grain="day")
    sel = rows.dropna(subset=["latency_ms"]).fillna({"served_latency": "unknown"})
    groups = sel.groupby(["day", "model", "served_latency"])["latency_ms"]
    day, model, mode = max(groups.size().items(), key=lambda kv: kv[1])[0]
    row = got[(got["period"].dt.date == day) & (got["model"] == model)
              & (got["served_mode"] == mode)].iloc[0]
    values = groups.get_group((day, model, mode))
    assert int(row["requests_with_latency"]) == len(values) >= 100
    # from the rollup's sketches: the order statistic x_r, r = floor(q (n - 1)), within 1%
    ordered = sorted(values)
    for q, column in ((0.5, "p50_latency_ms"), (0.99, "p99_latency_ms")):
        assert row[column] == pytest.approx(ordered[int(q * (len(ordered) - 1))], rel=0.01)
    hourly = run(con, "latency_over_time", grain="hour")
    assert int(hourly["requests_with_latency"].sum()) == len(sel)
    assert hourly["period"].nunique() > got["period"].nunique()


def test_decode_fit_is_per_model(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    fit = run(con, "decode_fit_by_model").set_index(["model", "served_mode"])
    ok = rows[rows["error_code"].isna()].dropna(subset=["latency_ms"])
    for model in (LLAMA_70B, "amazon.nova-lite-v1:0"):
        sel = ok[(ok["model"] == model) & (ok["served_latency"] == "standard")]
        slope, intercept = np.polyfit(sel["output_tokens"], sel["latency_ms"], 1)
        row = fit.loc[(model, "standard")]
        assert int(row["n"]) == len(sel)
        assert row["ms_per_output_token"] == pytest.approx(slope, rel=1e-6)
        assert row["intercept_ms"] == pytest.approx(intercept, rel=1e-6)
        assert row["intercept_ms"] > 0  # one model's fit: no negative "time to first token"


def test_what_if_prices_each_mode_from_the_price_table(con: duckdb.DuckDBPyConnection,
                                                       rows: pd.DataFrame) -> None:
    what_if = run(con, "mode_price_what_if").set_index("model")
    llama = rows[rows["model"] == LLAMA_70B]
    tokens = int(llama["input_tokens"].sum() + llama["output_tokens"].sum())
    # queries/data/prices.csv: Llama 3.1 70B is $0.72 per million tokens standard and $0.90
    # latency-optimized, for input and output alike.
    assert what_if.loc[LLAMA_70B, "all_standard_usd"] == pytest.approx(tokens * 0.72 / 1e6)
    assert what_if.loc[LLAMA_70B, "all_optimized_usd"] == pytest.approx(tokens * 0.90 / 1e6)
    assert what_if.loc[LLAMA_70B, "optimized_premium"] == pytest.approx(0.25)
    # Nova Lite never ran optimized and the price table has no optimized rate for it
    nova = what_if.loc["amazon.nova-lite-v1:0"]
    assert int(nova["served_optimized"]) == 0
    assert pd.isna(nova["all_optimized_usd"]) and pd.isna(nova["p50_latency_improvement_pct"])
    # the latency gain is measured where both modes ran: 1 - optimized p50 / standard p50
    # (p50s from the rollup's sketches: the order statistic x_r, r = floor(0.5 (n - 1)),
    # within 1% each, so the gain is within 100 * opt/std * (1.01/0.99 - 1) points)
    ok = llama[llama["error_code"].isna()]
    std_values = sorted(ok.loc[ok["served_latency"] == "standard", "latency_ms"].dropna())
    opt_values = sorted(ok.loc[ok["served_latency"] == "optimized", "latency_ms"].dropna())
    std = std_values[int(0.5 * (len(std_values) - 1))]
    opt = opt_values[int(0.5 * (len(opt_values) - 1))]
    assert what_if.loc[LLAMA_70B, "standard_p50_latency_ms"] == pytest.approx(std, rel=0.01)
    assert what_if.loc[LLAMA_70B, "optimized_p50_latency_ms"] == pytest.approx(opt, rel=0.01)
    assert what_if.loc[LLAMA_70B, "p50_latency_improvement_pct"] == pytest.approx(
        100 * (1 - opt / std), abs=100 * opt / std * (1.01 / 0.99 - 1))


def test_region_pairs_are_per_model(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    got = run(con, "routing_pairs_by_model").set_index(
        ["model", "source_region", "inference_region"])["requests"]
    expected = rows.groupby(["model", "region", "inference_region"]).size()
    assert dict(got) == {k: int(v) for k, v in expected.items()}


def test_errors_and_throttles_by_code_and_model(con: duckdb.DuckDBPyConnection,
                                                rows: pd.DataFrame) -> None:
    errors = run(con, "errors_daily_by_code")
    failed = rows.dropna(subset=["error_code"])
    assert int(errors["errors"].sum()) == len(failed) > 0
    assert set(errors["error_code"]) == set(failed["error_code"])
    assert "ThrottlingException" in set(failed["error_code"])
    daily = run(con, "reliability_daily")
    throttled = int((failed["error_code"] == "ThrottlingException").sum())
    assert int(daily["throttles"].sum()) == throttled
    assert int(daily["requests"].sum()) == len(rows)
    intervened = int((rows["guardrail_action"] == "INTERVENED").sum())
    assert int(daily["interventions"].sum()) == intervened > 0


def test_requests_are_paged_newest_first(con: duckdb.DuckDBPyConnection,
                                         rows: pd.DataFrame) -> None:
    first = run(con, "requests_page", limit=50, offset=0)
    second = run(con, "requests_page", limit=50, offset=50)
    newest = rows.sort_values(["ts", "request_id"], ascending=[False, True]).head(100)
    # ties on ts are ordered by request_id; compare the set per page boundary by timestamp
    assert first["ts"].is_monotonic_decreasing and len(first) == len(second) == 50
    assert set(first["request_id"]) | set(second["request_id"]) == set(newest["request_id"])
    assert not set(first["request_id"]) & set(second["request_id"])
    assert int(run(con, "requests_count").iloc[0]["requests"]) == len(rows)
    errors_only = run(con, "requests_count", errors_only=True).iloc[0]["requests"]
    # failed or guardrail-stopped calls (requests_count.sql's errors_only)
    stopped = rows["error_code"].notna() | (rows["guardrail_action"] == "INTERVENED")
    assert int(errors_only) == int(stopped.sum())
    day = sorted(rows["day"].unique())[2]
    one_day = Filters(start=day, end=day, models=(LLAMA_70B,))
    page = run(con, "requests_page", one_day, limit=10_000)
    assert len(page) == int(((rows["day"] == day) & (rows["model"] == LLAMA_70B)).sum())


def test_hourly_gaps_list_every_hour(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    hourly = run(con, "health_hourly")
    hours = rows["ts"].dt.floor("h")
    assert int(hourly["requests"].sum()) == len(rows)  # six days: all within the last 14
    span = (hours.max() - hours.min()) / pd.Timedelta(hours=1) + 1
    assert len(hourly) == int(span)
    assert hourly["hour"].is_monotonic_increasing


def test_freshness_per_account_and_region(con: duckdb.DuckDBPyConnection,
                                          rows: pd.DataFrame) -> None:
    fresh = run(con, "health_freshness_by_source").set_index(["account_id", "region"])
    newest = rows.groupby(["account_id", "region"])["ts"].max()
    assert len(fresh) == len(newest)
    for source, ts in newest.items():
        assert fresh.loc[source, "newest_record"] == ts
        behind = (rows["ts"].max() - ts) / pd.Timedelta(hours=1)
        assert fresh.loc[source, "hours_behind_newest"] == pytest.approx(behind)


def test_hourly_panels_read_raw_rows_without_an_hourly_rollup(tmp_path: Path) -> None:
    # a lake written before the rollups: the hourly branch falls back to the raw rows
    lake = tmp_path / "lake"
    write_lake(lake, rows=2000, days=2, last_day=date(2026, 11, 20))
    con = queries.connect(lake)
    states = dict(con.execute("SELECT table_name, state FROM rollup_staleness").fetchall())
    assert states["rollup_hourly"] == "absent"
    files = sorted(lake.glob("invocations/**/*.parquet"))
    raw = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    hourly = run(con, "latency_over_time", grain="hour")
    assert int(hourly["requests_with_latency"].sum()) == int(raw["latency_ms"].notna().sum())
    assert hourly["period"].nunique() == raw.dropna(subset=["latency_ms"])["ts"].dt.floor(
        "h").nunique()
    assert int(run(con, "health_hourly")["requests"].sum()) == len(raw)


def test_a_panel_step_binds_its_one_row_into_the_rest() -> None:
    """panels.resolve: the SELECT before STEP_MARKER returns one row whose columns become
    parameters of the rest (a TIMESTAMPTZ included); anything but one row is refused."""
    con = duckdb.connect()
    con.execute("SELECT 1")  # a result left unfetched: the step still runs (as run() would)
    step = ("SELECT TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_days(CAST($n AS INTEGER)) AS since"
            + panels.STEP_MARKER + "SELECT $since AS since, $n + 1 AS m")
    resolved = panels.resolve(con, panels.PanelQuery("t", step, {"n": 2, "unused": 9}))
    assert panels.STEP_MARKER not in resolved.sql
    assert set(resolved.params) == {"since", "n"}
    frame = panels.run(con, panels.PanelQuery("t", step, {"n": 2}))
    assert frame["since"][0] == pd.Timestamp("2025-03-03", tz="UTC") and frame["m"][0] == 3
    for rows in ("SELECT 1 AS x WHERE false", "SELECT 1 AS x UNION ALL SELECT 2"):
        with pytest.raises(ValueError, match="exactly one row"):
            panels.resolve(con, panels.PanelQuery("t", rows + panels.STEP_MARKER + "SELECT 1",
                                                  {}))
