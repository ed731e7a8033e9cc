"""One name, one definition: the metrics registry covers every metric column of the views and
panels, docs/metrics.md is generated from it, and the definitions the audit found split or
doubled now give the values worked out by hand below."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bedrock_logbook import queries
from bedrock_logbook.queries import metrics, panels
from bedrock_logbook.queries.catalog import sql_objects
from tests.lake_fixtures import write_invocations

ROOT = Path(__file__).resolve().parents[1]
H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
S35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _columns() -> dict[str, list[str]]:
    """Every metrics view's and panel's columns, keyed like Metric.where ("view" or
    "panel:name"), from an empty lake."""
    with tempfile.TemporaryDirectory() as lake:
        con = queries.connect(Path(lake))
        found: dict[str, list[str]] = {}
        for o in sql_objects():
            if o.kind == "view" and o.layer == "metrics":
                found[o.name] = [r[0] for r in con.execute(f"DESCRIBE {o.name}").fetchall()]
        for name in panels.list_panels():
            query = panels.resolve(con, panels.build(name, panels.Filters(),
                                                     panels.EXAMPLE_PARAMS))
            cursor = con.execute(query.sql, dict(query.params))
            found[f"panel:{name}"] = [d[0] for d in cursor.description or ()]
        found["invocations"] = [r[0] for r in con.execute("DESCRIBE invocations").fetchall()]
        con.close()
    return found


COLUMNS = _columns()


def test_metrics_doc_is_generated_from_the_registry() -> None:
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics.metrics_doc(), "run `make docs`"


def test_every_metric_column_is_declared_exactly_once() -> None:
    owner = metrics.column_owner()  # raises when a place is declared twice
    undeclared = [
        f"{place}.{col}" for place, cols in COLUMNS.items() if place != "invocations"
        for col in cols
        if f"{place}.{col}" not in owner and col not in metrics.KEYS
        and f"{place}.{col}" not in metrics.POINTS
    ]
    assert undeclared == [], "declare these in queries/metrics.py (or list them as keys)"
    missing = [p for p in owner if p.rsplit(".", 1)[1] not in COLUMNS.get(p.rsplit(".", 1)[0], [])]
    assert missing == [], "declared in queries/metrics.py but not exposed"


def test_a_column_name_means_one_metric_everywhere() -> None:
    by_column: dict[str, set[str]] = defaultdict(set)
    for place, metric in metrics.column_owner().items():
        by_column[place.rsplit(".", 1)[1]].add(metric)
    assert {c: m for c, m in by_column.items() if len(m) > 1} == {}
    assert set(by_column) & metrics.KEYS == set()
    names = [m.name for m in metrics.METRICS]
    assert len(names) == len(set(names))


def test_column_names_are_the_metric_name_or_a_subset_of_it() -> None:
    for metric in metrics.METRICS:
        for place in metric.where:
            column = place.rsplit(".", 1)[1]
            allowed = {metric.name} | {f"{p}_{metric.name}" for p in metrics.SUBSET_PREFIXES}
            assert column in allowed, (metric.name, place)


# --- values worked out by hand -----------------------------------------------------------


@contextmanager
def _lake(rows: list[dict[str, Any]]) -> Iterator[duckdb.DuckDBPyConnection]:
    with tempfile.TemporaryDirectory() as lake:
        write_invocations(Path(lake), rows)
        con = queries.connect(Path(lake))
        yield con
        con.close()


def _row(h: str, i: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "request_id": f"{h}{i}", "ts": "2025-01-10T12:00:00Z", "model_id": H35, "model": H35,
        "model_id_kind": "base", "region": "us-east-1", "inference_region": "us-east-1",
        "cross_region": False, "operation": "Converse", "caller": "c",
        "requested_latency": "standard", "served_latency": "standard",
        "input_tokens": 100, "output_tokens": 100,
    }
    base.update(over)
    if base.get("latency_ms") and base.get("output_tokens") is not None:
        base["output_tokens_per_s"] = base["output_tokens"] * 1000 / base["latency_ms"]
    return base


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _panel(con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    query = panels.build(name, panels.Filters(), panels.EXAMPLE_PARAMS)
    return _dicts(con, query.sql, dict(query.params))


@pytest.fixture(scope="module")
def speeds() -> Iterator[duckdb.DuckDBPyConnection]:
    with _lake([
        # (100 tokens, 1000 ms) and (300 tokens, 2000 ms): per request 100 and 150 tokens/s
        _row("s", 1, output_tokens=100, latency_ms=1000),
        _row("s", 2, output_tokens=300, latency_ms=2000),
        # a failed call with a latency and tokens: excluded from every speed
        _row("s", 3, output_tokens=500, latency_ms=100_000, error_code="ModelErrorException"),
    ]) as con:
        yield con


def test_three_speeds_three_names(speeds: duckdb.DuckDBPyConnection) -> None:
    # mean of ratios (100 + 150) / 2 = 125; ratio of sums 400 * 1000 / 3000 = 133.33;
    # decode: slope (2000 - 1000) / (300 - 100) = 5 ms per token -> 200 tokens/s
    (fit,) = _dicts(speeds, "SELECT * FROM decode_speed")
    assert fit["n"] == 2
    assert fit["decode_tokens_per_s"] == pytest.approx(200.0)
    assert fit["throughput_tokens_per_s"] == pytest.approx(400_000 / 3000)
    (lat,) = _dicts(speeds, "SELECT * FROM latency_by_region_mode")
    assert lat["mean_output_tokens_per_s"] == pytest.approx(125.0)
    assert lat["throughput_tokens_per_s"] == pytest.approx(400_000 / 3000)
    (panel_fit,) = _panel(speeds, "decode_fit")
    assert (panel_fit["n"], panel_fit["decode_tokens_per_s"]) == (2, pytest.approx(200.0))
    (tps,) = _panel(speeds, "tokens_per_s")
    assert tps["n"] == 2 and tps["throughput_tokens_per_s"] == pytest.approx(400_000 / 3000)
    assert tps["p50_output_tokens_per_s"] is None  # 2 < 20


def _latencies(n: int, tag: str) -> list[dict[str, Any]]:
    return [_row(tag, i, latency_ms=i) for i in range(1, n + 1)]


def _maybe(value: float | None) -> Any:
    return None if value is None else pytest.approx(value)


# Latencies 1..n ms; quantile_cont(1..n, q) = 1 + q * (n - 1).
@pytest.mark.parametrize(("n", "p50", "p90", "p99"), [
    (19, None, None, None),
    (20, 10.5, 18.1, None),
    (99, 50.0, 89.2, None),
    (100, 50.5, 90.1, 99.01),
])
def test_percentiles_need_a_minimum_group(n: int, p50: float | None, p90: float | None,
                                          p99: float | None) -> None:
    assert (metrics.PERCENTILE_MIN_N, metrics.P99_MIN_N) == (20, 100)
    with _lake(_latencies(n, "p")) as con:
        (s,) = _dicts(con, "SELECT * FROM summary_overview")
        assert s["requests_with_latency"] == n
        assert (s["p50_latency_ms"], s["p99_latency_ms"]) == (_maybe(p50), _maybe(p99))
        (v,) = _dicts(con, "SELECT * FROM latency_by_region_mode")
        assert (v["p50_latency_ms"], v["p90_latency_ms"], v["p99_latency_ms"]) == (
            _maybe(p50), _maybe(p90), _maybe(p99))
        # The panels merge rollup sketches: the same guard, and the order statistic
        # x_r (r = floor(q (n - 1)), here r + 1 ms) within 1% instead of quantile_cont.
        def sketch(q: float, shown: float | None) -> Any:
            return None if shown is None else pytest.approx(int(q * (n - 1)) + 1, rel=0.01)
        (k,) = _panel(con, "overview_kpis")
        assert (k["p50_latency_ms"], k["p99_latency_ms"]) == (sketch(0.5, p50), sketch(0.99, p99))
        (lp,) = _panel(con, "latency_percentiles")
        assert lp["requests_with_latency"] == n
        assert (lp["p50_latency_ms"], lp["p90_latency_ms"], lp["p99_latency_ms"]) == (
            sketch(0.5, p50), sketch(0.9, p90), sketch(0.99, p99))


def test_share_optimized_and_cache_hit_ratio_agree_in_view_and_panel() -> None:
    rows = [
        # served optimized
        _row("c", 1, requested_latency="optimized", served_latency="optimized"),
        # asked optimized, served mode unknown: billed as optimized, not served optimized
        _row("c", 2, requested_latency="optimized", served_latency=None),
        _row("c", 3),
        # cache: 1000 input, 3000 read, 1000 written -> hit ratio 3000 / 5000 = 0.6
        _row("c", 4, model_id=S35, model=S35, input_tokens=1000, output_tokens=10,
             cache_read_tokens=3000, cache_write_tokens=1000),
    ]
    with _lake(rows) as con:
        (s,) = _dicts(con, "SELECT share_optimized FROM summary_overview")
        (k,) = _panel(con, "overview_kpis")
        assert s["share_optimized"] == pytest.approx(1 / 4) == k["share_optimized"]
        (v,) = _dicts(con, "SELECT cache_hit_ratio FROM cache_savings WHERE model = ?", [S35])
        (p,) = [r for r in _panel(con, "cache_usage") if r["model"] == S35]
        assert v["cache_hit_ratio"] == pytest.approx(0.6) == p["cache_hit_ratio"]


def test_profile_vs_direct_compares_the_same_model_and_served_mode() -> None:
    profile = {"model_id": "us." + H35, "model_id_kind": "system_profile", "profile_scope": "us"}
    rows = [
        _row("r", 1, latency_ms=3000, **profile),
        _row("r", 2, latency_ms=5000, **profile),
        _row("r", 3, latency_ms=1000),                                      # direct, standard
        _row("r", 4, latency_ms=500, requested_latency="optimized",
             served_latency="optimized"),                                   # direct, optimized
        _row("r", 5, latency_ms=100, model_id=S35, model=S35),              # another model
    ]
    with _lake(rows) as con:
        got = {(r["model"], r["served_latency"]): r for r in _dicts(
            con, "SELECT * FROM routing_profile_vs_direct")}
        std = got[(H35, "standard")]
        assert (std["profile_requests"], std["direct_requests"]) == (2, 1)
        assert std["profile_mean_latency_ms"] == pytest.approx(4000.0)
        assert std["direct_mean_latency_ms"] == pytest.approx(1000.0)
        assert std["mean_latency_diff_ms"] == pytest.approx(3000.0)  # not 4000 - 750
        opt = got[(H35, "optimized")]
        assert (opt["profile_requests"], opt["direct_requests"]) == (0, 1)
        assert opt["mean_latency_diff_ms"] is None
        assert got[(S35, "standard")]["mean_latency_diff_ms"] is None
        assert std["profile_p50_latency_ms"] is None  # 2 < 20
