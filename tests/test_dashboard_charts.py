"""The dashboard's charts as Vega-Lite specs: typed axes (days as days, counts as integers,
shares in %, money in $), fixed colours per model and mode, one panel per model; and the
readable names, tables and drill-down they rely on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from bedrock_logbook.dashboard import axes, charts, drill, latency_charts, tables
from bedrock_logbook.dashboard.names import PALETTE, ModelColours, model_label, unique_labels
from bedrock_logbook.queries.panels import Filters

SONNET_V1 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SONNET_V2 = "anthropic.claude-3-5-sonnet-20241022-v2:0"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
LAKE_MODELS = [SONNET_V2, HAIKU, SONNET_V1, "amazon.nova-lite-v1:0"]
COLOURS = ModelColours.for_models(LAKE_MODELS)


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if "spec" in spec:  # faceted
        spec = spec["spec"]
    return spec.get("layer", [spec])


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def _field(layer: dict[str, Any], channel: str) -> str:
    return str(layer["encoding"][channel]["field"])


DAILY = pd.DataFrame({
    "day": pd.to_datetime(["2026-11-01", "2026-11-01", "2026-11-02"]),
    "value": [SONNET_V1, SONNET_V2, SONNET_V1], "cost_usd": [1.5, 2.5, 3.0],
    "requests": [3, 4, 5],
})


# --- names and colours ---------------------------------------------------------------------

def test_readable_names_keep_what_tells_versions_apart() -> None:
    assert model_label(SONNET_V1) == "Claude 3.5 Sonnet (2024-06-20, v1)"
    assert model_label(SONNET_V2) == "Claude 3.5 Sonnet (2024-10-22, v2)"
    assert model_label("us.anthropic.claude-3-5-haiku-20241022-v1:0") == (
        "Claude 3.5 Haiku (2024-10-22, v1)")
    assert model_label("meta.llama3-1-70b-instruct-v1:0") == "Llama3.1 70b Instruct (v1)"
    assert model_label("amazon.nova-lite-v1:0") == "Nova Lite (v1)"
    arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123"
    assert model_label(arn) == "application profile abc123"


def test_names_that_would_collide_fall_back_to_the_id() -> None:
    # Two IDs that differ only in what the label drops (the ':0' / ':1' suffix).
    a, b = "anthropic.claude-v2:0", "anthropic.claude-v2:1"
    assert model_label(a) == model_label(b)
    assert unique_labels([a, b]) == {a: a, b: b}


def test_model_colours_are_fixed_by_the_lake_not_the_selection() -> None:
    # sorted IDs: nova-lite, haiku, sonnet v1, sonnet v2 -> the first four palette colours
    assert COLOURS.ids == ("amazon.nova-lite-v1:0", HAIKU, SONNET_V1, SONNET_V2)
    assert COLOURS.colours == PALETTE[:4]
    # a chart of one model's rows still carries the whole lake's domain and range
    only_v2 = DAILY.assign(model_name="Claude 3.5 Sonnet (2024-10-22, v2)").iloc[:1]
    spec = charts.daily_stacked(only_v2, y="cost_usd", kind="money", y_title="USD",
                                color=axes.model_color(COLOURS), title="t").to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == list(COLOURS.labels)
    assert dict(zip(scale["domain"], scale["range"], strict=True))[
        "Claude 3.5 Sonnet (2024-10-22, v2)"] == PALETTE[3]


def test_other_is_grey_after_the_models() -> None:
    color = axes.model_color(COLOURS, extra=["other"]).to_dict()
    assert color["scale"]["domain"][-1] == "other"
    assert color["scale"]["range"][-1] == "#9d9d9d"


# --- typed axes -------------------------------------------------------------------------

def test_daily_money_bars_use_a_utc_day_axis_and_dollars() -> None:
    spec = charts.daily_stacked(DAILY, y="cost_usd", kind="money", y_title="USD",
                                color=axes.category_color("value", "caller"), title="t",
                                pick_fields=["day", "value"]).to_dict()
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (_mark(spec), x["field"], x["type"]) == ("bar", "day", "temporal")
    assert x["timeUnit"] == "utcyearmonthdate"  # a band per day, not an instant
    assert x["axis"]["format"] == "%b %d"  # never "03 AM"
    assert x["axis"]["tickCount"] == {"interval": "day", "step": 1}
    assert y["axis"]["format"] == "$,.2f"
    # clicking a bar selects its day and value: the drill-down's filter
    (param,) = spec["params"]
    assert param["name"] == charts.PICK
    assert param["select"]["fields"] == ["day", "value"]


def test_day_ticks_thin_out_over_long_ranges() -> None:
    assert axes.day_step(14) == 1
    assert axes.day_step(365) == 27  # ceil(365 / 14): at most 14 day labels


def test_count_axes_are_integers() -> None:
    df = pd.DataFrame({"day": pd.to_datetime(["2026-11-01"]), "errors": [2],
                       "error_code": ["ThrottlingException"]})
    spec = charts.daily_stacked(df, y="errors", kind="count", y_title="errors",
                                color=axes.category_color("error_code", "code"),
                                title="t").to_dict()
    axis = spec["encoding"]["y"]["axis"]
    assert axis["format"] == ",d"
    assert axis["tickMinStep"] == 1


def test_share_lines_are_in_percent() -> None:
    df = pd.DataFrame({"day": pd.to_datetime(["2026-11-01"]), "untagged_share": [0.25]})
    spec = charts.daily_lines(df, y="untagged_share", kind="share", y_title="untagged",
                              title="t").to_dict()
    assert spec["encoding"]["y"]["axis"]["format"] == ".1~%"
    assert _mark(spec) == "line"


def test_ranked_bars_count_axis_and_largest_first() -> None:
    df = pd.DataFrame({"reason": ["a", "b"], "quarantined": [1, 2]})
    spec = charts.ranked_bars(df, category="reason", value="quarantined", kind="count",
                              title="t", value_title="records").to_dict()
    assert spec["encoding"]["y"]["sort"] == "-x"
    assert spec["encoding"]["x"]["axis"]["format"] == ",d"
    assert spec["encoding"]["x"]["axis"]["tickMinStep"] == 1


def test_runs_timeline_counts_rows_as_integers() -> None:
    df = pd.DataFrame({"run_id": ["r"], "finished_at": pd.to_datetime(["2026-11-01T00:00Z"]),
                       "source": ["files"], "rows_written": [5], "quarantined": [0],
                       "duplicates": [0]})
    spec = charts.runs_timeline(df).to_dict()
    assert (_field(spec, "x"), _field(spec, "y")) == ("finished_at", "rows_written")
    assert spec["encoding"]["y"]["axis"]["format"] == ",d"
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1


def test_heatmap_rows_are_tall_enough_and_faceted_per_model() -> None:
    df = pd.DataFrame({"model_name": ["m1", "m2"], "source_region": ["us-east-2"] * 2,
                       "inference_region": ["us-west-2"] * 2, "requests": [12, 3]})
    spec = charts.heatmap(df, x="inference_region", y="source_region", value="requests",
                          title="t", value_title="requests", x_title="x", y_title="y",
                          facet="model_name").to_dict()
    assert spec["facet"]["field"] == "model_name"  # region pairs never mix models
    assert spec["spec"]["height"] == 36  # one source region: one 36 px row
    cells, labels = _layers(spec)
    assert (_mark(cells), _mark(labels)) == ("rect", "text")
    assert labels["encoding"]["text"]["format"] == ",d"


def test_dumbbell_pairs_sides_on_one_row_per_model_and_mode() -> None:
    df = pd.DataFrame({"model_name": ["m", "m"], "profile_scope": ["direct", "us"],
                       "served_mode": ["standard", "standard"], "p50_latency_ms": [500, 560]})
    spec = charts.dumbbell(df, category="model_name", value="p50_latency_ms",
                           side="profile_scope", sides=["direct", "us"],
                           side_colours=["#000", "#00f"], kind="ms", title="t",
                           value_title="ms", side_title="via", row="served_mode").to_dict()
    assert spec["facet"]["row"]["field"] == "served_mode"  # same served mode per panel
    rule, dots = _layers(spec)
    assert (_mark(rule), _mark(dots)) == ("rule", "circle")
    assert _field(dots, "y") == "model_name"
    assert dots["encoding"]["color"]["scale"]["domain"] == ["direct", "us"]


def test_hourly_gaps_mark_empty_hours() -> None:
    df = pd.DataFrame({"hour": pd.to_datetime(["2026-11-01T00:00", "2026-11-01T01:00"]),
                       "day": pd.to_datetime(["2026-11-01"] * 2), "day_label": ["Sun Nov 01"] * 2,
                       "hour_of_day": [0, 1], "requests": [5, 0]})
    spec = charts.hourly_gaps(df).to_dict()
    assert spec["encoding"]["color"]["condition"]["test"] == "datum.requests == 0"
    assert _field(spec, "x") == "hour_of_day"


# --- latency ------------------------------------------------------------------------------

def test_percentiles_over_time_one_panel_per_model() -> None:
    df = pd.DataFrame({"period": pd.to_datetime(["2026-11-01"]), "model": [HAIKU],
                       "model_name": ["Claude 3.5 Haiku"], "served_mode": ["optimized"],
                       "requests_with_latency": [30], "p50_latency_ms": [100.0],
                       "p90_latency_ms": [150.0],
                       "p99_latency_ms": [None]})
    spec = latency_charts.percentiles_over_time(df, prefix="latency", title="t").to_dict()
    assert spec["facet"]["field"] == "model_name"
    assert spec["resolve"]["scale"]["y"] == "independent"
    inner = spec["spec"]
    assert inner["transform"][0]["fold"] == ["p50_latency_ms", "p90_latency_ms",
                                             "p99_latency_ms"]
    assert inner["encoding"]["color"]["scale"]["domain"] == axes.MODES
    assert inner["encoding"]["strokeDash"]["scale"]["domain"] == ["p50", "p90", "p99"]
    assert inner["encoding"]["x"]["timeUnit"] == "utcyearmonthdate"
    hourly = latency_charts.percentiles_over_time(df, prefix="first_byte", title="t",
                                                  grain="hour").to_dict()
    assert hourly["spec"]["encoding"]["x"]["timeUnit"] == "utcyearmonthdatehours"


def test_decode_small_multiples_fit_each_model_on_its_own() -> None:
    fit = pd.DataFrame({
        "model": [HAIKU, HAIKU, SONNET_V2], "model_name": ["H", "H", "S"],
        "served_mode": ["standard", "optimized", "standard"], "n": [50, 40, 30],
        "ms_per_output_token": [10.0, 5.0, 20.0], "intercept_ms": [300.0, 250.0, 700.0],
        "r2": [0.9, 0.95, 0.8], "decode_tokens_per_s": [100.0, 200.0, 50.0],
        "largest_output_tokens": [400, 400, 200]})
    points = pd.DataFrame({"model": [HAIKU], "model_name": ["H"], "served_mode": ["standard"],
                           "output_tokens": [100], "latency_ms": [1300]})
    lines = latency_charts.fit_lines(fit)
    s = lines[lines["model_name"] == "S"]
    # hand computed: 700 + 20 * 0 and 700 + 20 * 200
    assert s["fitted_latency_ms"].tolist() == [700.0, 4700.0]
    # a sampled request past the rollup's bound stretches that mode's line to it only:
    # 250 + 5 * 900 (the standard line keeps its 400: its sample's 100 is shorter)
    sampled = pd.DataFrame({"model": [HAIKU, HAIKU], "served_mode": ["standard", "optimized"],
                            "output_tokens": [100, 900]})
    stretched = latency_charts.fit_lines(fit, sampled)
    haiku = stretched[stretched["model"] == HAIKU].set_index(["served_mode", "output_tokens"])
    assert haiku["fitted_latency_ms"].to_dict() == {
        ("standard", 0): 300.0, ("standard", 400): 4300.0,
        ("optimized", 0): 250.0, ("optimized", 900): 4750.0}
    labels = latency_charts.fit_labels(fit)
    assert labels["label"].tolist()[1] == "optimized: 200 tok/s, +250 ms, r² 0.95, n=40"
    spec = latency_charts.decode_small_multiples(points, fit).to_dict()
    assert spec["facet"]["field"] == "model_name"
    assert [_mark(layer) for layer in _layers(spec)] == ["circle", "line", "text"]


def test_latency_distribution_is_normalised_per_mode_in_distinct_colours() -> None:
    df = pd.DataFrame({"served_mode": ["standard", "optimized"], "bin_start_ms": [1, 1],
                       "bin_end_ms": [100, 100], "requests": [70, 7]})
    spec = latency_charts.distribution(df).to_dict()
    assert spec["transform"][0]["joinaggregate"][0]["op"] == "sum"
    assert spec["transform"][0]["groupby"] == ["served_mode"]
    assert spec["encoding"]["y"]["field"] == "share"
    assert spec["encoding"]["y"]["axis"]["format"] == ".1~%"
    assert spec["encoding"]["x"]["scale"]["type"] == "log"  # sketch bins: equal on a log axis
    colours = spec["encoding"]["color"]["scale"]["range"]
    assert len(set(colours)) == 3 and "#bab0ac" not in colours  # no grey mode


# --- tables ---------------------------------------------------------------------------------

def test_tables_use_human_names_and_no_none() -> None:
    frame = pd.DataFrame({"model": [SONNET_V1], "requests": [1234], "cost_usd": [None],
                          "error_code": [None], "p50_latency_ms": [1234.4]})
    shown, config = tables.present(frame, COLOURS)
    assert list(shown.columns) == ["Model", "Model ID", "Requests", "Cost", "Error",
                                   "p50 latency"]
    row = shown.iloc[0].tolist()
    assert row == ["Claude 3.5 Sonnet (2024-06-20, v1)", SONNET_V1, 1234, "—", "—", "1,234 ms"]
    assert config["Requests"]["type_config"]["format"] == "localized"


@pytest.mark.parametrize(("value", "kind", "text"), [
    (0.4978, "share", "49.8%"), (1234.5, "money", "$1,234.50"), (-2.0, "money", "-$2.00"),
    (12345, "count", "12,345"), (None, "count", "—"), (float("nan"), "money", "—"),
])
def test_cell_formats(value: Any, kind: tables.Kind, text: str) -> None:
    assert tables.format_value(value, kind) == text


# --- drill-down -----------------------------------------------------------------------------

def test_a_clicked_bar_becomes_a_day_and_model_filter() -> None:
    # Vega hands a temporal value back as epoch milliseconds (2026-11-02T00:00Z)
    picked = [{"day": 1_793_577_600_000, "value": SONNET_V1}]
    got = drill.from_pick(picked, rename={"value": "model"})
    assert got == {"models": (SONNET_V1,), "start": date(2026, 11, 2), "end": date(2026, 11, 2)}
    assert drill.from_pick([{"day": "2026-11-02T00:00:00"}]) == {
        "start": date(2026, 11, 2), "end": date(2026, 11, 2)}


def test_drill_down_narrows_the_sidebar_filters() -> None:
    sidebar = Filters(start=date(2026, 11, 1), end=date(2026, 11, 5), models=(HAIKU,))
    narrowed = drill.apply(sidebar, {"start": date(2026, 11, 2), "end": date(2026, 11, 2),
                                     "callers": ("bob",)})
    assert (narrowed.start, narrowed.end) == (date(2026, 11, 2), date(2026, 11, 2))
    assert narrowed.models == (HAIKU,) and narrowed.callers == ("bob",)
    # a model outside the sidebar's selection selects nothing rather than widening it
    assert drill.apply(sidebar, {"models": (SONNET_V1,)}).models == ("\x00none",)


def test_a_legend_under_the_plot_adds_its_rows_to_the_height() -> None:
    # Streamlit fits chart + legend into the height: three models in three columns are one
    # legend row, so the chart is the plot's 280 px + 40 px of title/padding + one 18 px row.
    frame = DAILY.assign(model_name=[COLOURS.label(m) for m in DAILY["value"]])
    spec = charts.daily_stacked(frame, y="cost_usd", kind="money", y_title="USD",
                                color=axes.model_color(COLOURS), title="t").to_dict()
    assert spec["height"] == charts.PLOT_HEIGHT + 40 + 18
    assert spec["encoding"]["color"]["legend"]["values"] == [
        "Claude 3.5 Sonnet (2024-06-20, v1)", "Claude 3.5 Sonnet (2024-10-22, v2)"]
