"""Every dashboard page runs (Streamlit AppTest) on a sample lake, a missing lake and with
filters that select nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from bedrock_logbook.ingest.pipeline import ingest_records
from bedrock_logbook.ingest.sample import generate_records
from tests.browser.synthetic_lake import write_lake

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ["views/overview.py", "views/cost.py", "views/latency.py", "views/modes.py",
         "views/routing.py", "views/reliability.py", "views/requests.py", "views/health.py"]
TITLES = ["Overview", "Spend", "Latency", "Latency modes", "Cross-region routing",
          "Reliability", "Requests", "Data health"]


@pytest.fixture(scope="module")
def sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated log records through the real ingest pipeline."""
    lake = tmp_path_factory.mktemp("sample") / "lake"
    summary = ingest_records(lake, generate_records(1500, seed=3), source="files")
    assert summary.as_dict()["rows_written"] == 1500
    return lake


@pytest.fixture(scope="module")
def synthetic_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("synthetic") / "lake"
    write_lake(lake, rows=6000, days=5)
    return lake


def _app(lake: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BEDROCK_LOGBOOK_LAKE", str(lake))
    monkeypatch.delenv("BEDROCK_LOGBOOK_PRICES", raising=False)
    return AppTest.from_file(str(APP), default_timeout=120).run()


def _assert_clean(at: AppTest, page: str) -> None:
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"


def _count(at: AppTest, element: str) -> int:
    found = 0
    stack = [at._tree]
    while stack:
        node = stack.pop()
        found += getattr(node, "type", None) == element
        stack.extend(getattr(node, "children", {}).values())
    return found


def test_every_page_on_a_sample_lake(sample_lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(sample_lake, monkeypatch)
    _assert_clean(at, "app")
    for page, title in zip(PAGES, TITLES, strict=True):
        at.switch_page(page).run()
        _assert_clean(at, page)
        assert [t.value for t in at.title] == [title]
        if page == "views/requests.py":
            assert len(at.dataframe) >= 1, "no request table"
        else:
            assert _count(at, "vega_lite_chart") >= 1, f"{page} drew no chart"
        # every panel offers its SQL and its data
        assert _count(at, "expander") >= 1
        assert _count(at, "download_button") >= _count(at, "expander")


def test_overview_numbers_match_the_lake(sample_lake: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(sample_lake, monkeypatch)
    requests = duckdb.connect().execute(
        "SELECT count(*) FROM read_parquet(?)", [f"{sample_lake}/invocations/**/*.parquet"]
    ).fetchone()
    assert requests is not None
    metric = {m.label: m.value for m in at.metric}
    assert metric["Requests"] == f"{requests[0]:,}"


def test_every_page_on_a_missing_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tmp_path / "not-ingested-yet", monkeypatch)
    for page in PAGES:
        at.switch_page(page).run()
        _assert_clean(at, page)
        shown = " ".join(c.value for c in at.code)
        assert "bedrock-logbook ingest files" in shown, page


def test_every_page_with_filters_that_select_nothing(
    synthetic_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A model never served optimized in this lake, together with served mode 'optimized'.
    (never_optimized,) = duckdb.connect().execute(
        "SELECT model FROM read_parquet(?) GROUP BY model "
        "HAVING count(*) FILTER (WHERE served_latency = 'optimized') = 0 ORDER BY model LIMIT 1",
        [f"{synthetic_lake}/invocations/**/*.parquet"],
    ).fetchone() or (None,)
    assert never_optimized is not None
    at = _app(synthetic_lake, monkeypatch)
    at.multiselect(key="f_models").select(never_optimized).run()
    at.multiselect(key="f_served_modes").select("optimized").run()
    for page in PAGES:
        at.switch_page(page).run()
        _assert_clean(at, page)
        if page != "views/health.py":  # the health page's freshness ignores filters
            assert any("No data for this selection" in i.value for i in at.info), page
    at.switch_page("views/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Requests"] == "0"


def test_spend_per_day_by_each_breakdown(synthetic_lake: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(synthetic_lake, monkeypatch)
    at.switch_page("views/cost.py").run()
    labels = at.selectbox(key="spend_dimension").options
    assert labels == ["Model", "Caller", "requestMetadata tag", "Account"]
    for i, label in enumerate(labels):
        at.selectbox(key="spend_dimension").select_index(i).run()
        _assert_clean(at, f"spend by {label}")
        assert f"Where did the money go each day, by {label.lower()}?" in [
            h.value for h in at.subheader]
        if label == "requestMetadata tag":  # the synthetic lake tags with one key, 'team'
            assert at.selectbox(key="spend_tag_key").options == ["team"]


def test_symlink_in_runs_gives_a_message_not_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10: a symlink under _runs/ crashed Data health with a traceback."""
    lake = tmp_path / "lake"
    ingest_records(lake, generate_records(50, seed=1), source="files")
    (tmp_path / "elsewhere").mkdir()
    (lake / "_runs" / "run-zz-link.json").symlink_to(tmp_path / "elsewhere")
    (lake / "_runs" / "run-zz-broken.json").symlink_to(tmp_path / "nothing")
    at = _app(lake, monkeypatch)
    at.switch_page("views/health.py").run()
    _assert_clean(at, "views/health.py")


def test_a_chart_selection_opens_the_requests_behind_it(
        synthetic_lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a click on a spend bar stores (drill.from_pick of Vega's selection: a day in epoch
    ms and a model) narrows the Requests page to that model on that day."""
    from datetime import date

    from bedrock_logbook.dashboard import drill

    model = "meta.llama3-1-70b-instruct-v1:0"
    day = date(2026, 11, 19)
    (expected,) = duckdb.connect().execute(
        "SELECT count(*) FROM read_parquet(?) WHERE model = ? "
        "AND CAST(ts AT TIME ZONE 'UTC' AS DATE) = ?",
        [f"{synthetic_lake}/invocations/**/*.parquet", model, day],
    ).fetchone() or (None,)
    assert expected
    at = _app(synthetic_lake, monkeypatch)
    picked = [{"day": 1_795_046_400_000, "value": model}]  # 2026-11-19T00:00Z
    at.session_state["bedrock_logbook.drill"] = drill.from_pick(picked, {"value": "model"})
    at.switch_page("views/requests.py").run()
    _assert_clean(at, "requests")
    assert any(f"of {expected:,}, newest first" in c.value for c in at.caption)
    shown = at.dataframe[0].value
    assert set(shown["Model"]) == {"Llama3.1 70b Instruct (v1)"}
    assert set(shown["Time (UTC)"].str[:10]) == {"2026-11-19"}
    at.button(key="drill_clear").click().run()
    assert any("of 6,000, newest first" in c.value for c in at.caption)


def test_account_filter_that_matches_nothing(synthetic_lake: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(synthetic_lake, monkeypatch)
    # synthetic_lake.ACCOUNTS: production and sandbox; both selected = every request
    accounts = ["123456789012", "210987654321"]
    assert at.multiselect(key="f_accounts").options == accounts
    at.multiselect(key="f_accounts").set_value(accounts).run()
    assert {m.label: m.value for m in at.metric}["Requests"] == "6,000"
