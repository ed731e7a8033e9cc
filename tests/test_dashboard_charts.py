"""The dashboard's charts as Vega-Lite specs: marks, encodings and fields."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bedrock_logbook.dashboard import charts


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if "spec" in spec:  # faceted
        spec = spec["spec"]
    return spec.get("layer", [spec])


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def _field(layer: dict[str, Any], channel: str) -> str:
    return str(layer["encoding"][channel]["field"])


DAILY = pd.DataFrame({"day": pd.to_datetime(["2026-11-01", "2026-11-02"]),
                      "cost_usd": [1.5, 2.5], "model": ["a", "b"]})


def test_time_series_is_a_line_over_days() -> None:
    spec = charts.time_series(DAILY, x="day", y="cost_usd", title="t", y_title="USD").to_dict()
    assert _mark(spec) == "line"
    assert spec["encoding"]["x"] == {"field": "day", "type": "temporal", "title": None}
    assert _field(spec, "y") == "cost_usd"
    assert "color" not in spec["encoding"]


def test_time_series_colours_by_the_given_column() -> None:
    spec = charts.time_series(DAILY, x="day", y="cost_usd", title="t", y_title="USD",
                              color="model").to_dict()
    assert _field(spec, "color") == "model"
    assert {"field": "model", "type": "nominal"} in spec["encoding"]["tooltip"]


def test_ranked_bars_sort_largest_first_and_offset_by_colour() -> None:
    df = pd.DataFrame({"model": ["a", "a"], "served_mode": ["standard", "optimized"],
                       "p50": [10.0, 5.0]})
    spec = charts.ranked_bars(df, category="model", value="p50", title="t", value_title="ms",
                              color="served_mode").to_dict()
    assert _mark(spec) == "bar"
    assert spec["encoding"]["y"]["sort"] == "-x"
    assert _field(spec, "yOffset") == "served_mode"
    # latency modes keep one colour on every page
    assert spec["encoding"]["color"]["scale"]["domain"] == ["standard", "optimized", "unknown"]


def test_latency_histogram_draws_sql_bins_unstacked() -> None:
    df = pd.DataFrame({"served_mode": ["standard"], "bin_start_ms": [0], "bin_end_ms": [100],
                       "requests": [7]})
    spec = charts.latency_histogram(df).to_dict()
    assert _mark(spec) == "bar"
    assert _field(spec, "x") == "bin_start_ms"
    assert _field(spec, "x2") == "bin_end_ms"
    assert spec["encoding"]["y"]["stack"] is None
    assert spec["encoding"]["y2"] == {"datum": 0}


def test_decode_scatter_layers_points_and_fitted_line() -> None:
    points = pd.DataFrame({"output_tokens": [10, 300], "latency_ms": [500, 5000],
                           "served_mode": ["standard", "standard"], "model": ["m", "m"]})
    line = pd.DataFrame({"served_mode": ["standard", "standard"], "output_tokens": [0, 300],
                         "fitted_latency_ms": [400.0, 5100.0]})
    spec = charts.decode_scatter(points, line).to_dict()
    scatter, fit = spec["layer"]
    assert (_mark(scatter), _mark(fit)) == ("circle", "line")
    assert (_field(scatter, "x"), _field(scatter, "y")) == ("output_tokens", "latency_ms")
    assert (_field(fit, "x"), _field(fit, "y")) == ("output_tokens", "fitted_latency_ms")
    # each layer carries its own data: the sample and the two line points
    datasets = spec["datasets"]
    assert sorted(len(rows) for rows in datasets.values()) == [2, 2]


def test_heatmap_is_rects_with_values_written_in() -> None:
    df = pd.DataFrame({"source_region": ["us-east-2"], "inference_region": ["us-west-2"],
                       "requests": [12]})
    spec = charts.heatmap(df, x="inference_region", y="source_region", value="requests",
                          title="t", value_title="requests").to_dict()
    cells, labels = spec["layer"]
    assert (_mark(cells), _mark(labels)) == ("rect", "text")
    assert _field(cells, "color") == "requests"
    assert _field(labels, "text") == "requests"
    for layer in (cells, labels):
        assert (_field(layer, "x"), _field(layer, "y")) == ("inference_region", "source_region")


def test_latency_percentiles_facets_by_model_with_p50_bars_and_p99_ticks() -> None:
    df = pd.DataFrame({"inference_region": ["us-east-1"], "served_mode": ["optimized"],
                       "model": ["m"], "requests_with_latency": [30],
                       "p50_latency_ms": [100.0], "p90_latency_ms": [150.0],
                       "p99_latency_ms": [None], "mean_latency_ms": [120.0]})
    spec = charts.latency_percentiles(df).to_dict()
    assert spec["facet"]["field"] == "model"
    bars, ticks = _layers(spec)
    assert (_mark(bars), _mark(ticks)) == ("bar", "tick")
    assert (_field(bars, "y"), _field(ticks, "y")) == ("p50_latency_ms", "p99_latency_ms")
    assert _field(bars, "xOffset") == "served_mode"


def test_share_bars_axis_is_percent_from_zero_to_one() -> None:
    df = pd.DataFrame({"operation": ["Converse"], "share_with_latency": [0.5], "requests": [2]})
    spec = charts.share_bars(df, category="operation", share="share_with_latency", title="t",
                             share_title="with latency").to_dict()
    assert spec["encoding"]["x"]["axis"]["format"] == "%"
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 1]


def test_runs_timeline_plots_rows_written_when_runs_finished() -> None:
    df = pd.DataFrame({"run_id": ["r"], "finished_at": pd.to_datetime(["2026-11-01T00:00Z"]),
                       "source": ["files"], "rows_written": [5], "quarantined": [0],
                       "duplicates": [0]})
    spec = charts.runs_timeline(df).to_dict()
    assert (_field(spec, "x"), _field(spec, "y")) == ("finished_at", "rows_written")
    assert spec["encoding"]["x"]["type"] == "temporal"
