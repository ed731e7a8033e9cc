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
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.panels import Filters
from tests.browser.synthetic_lake import write_lake

EXTRA = {"dimension": "model"}
NO_FILTERS = Filters()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panels") / "lake"
    write_lake(path, rows=8000, days=6, last_day=date(2026, 11, 20))
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


def test_every_panel_runs_with_and_without_filters(con: duckdb.DuckDBPyConnection,
                                                   rows: pd.DataFrame) -> None:
    everything = Filters(
        start=min(rows["day"]), end=max(rows["day"]), models=tuple(rows["model"].unique()),
        regions=tuple(rows["region"].unique()),
        inference_regions=tuple(rows["inference_region"].unique()),
        served_modes=("standard", "optimized", "unknown"),
        operations=tuple(rows["operation"].unique()), callers=tuple(rows["caller"].unique()),
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
        if name in ("overview_kpis", "filter_options", "health_freshness"):
            assert len(frame) == 1, name  # one row of zeros / NULLs
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
