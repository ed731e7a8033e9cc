"""``bedrock-logbook dashboard``: how it starts Streamlit, and that it really serves."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bedrock_logbook.cli import main
from bedrock_logbook.cli_dashboard import APP, SERVER, dashboard_env, streamlit_command
from bedrock_logbook.settings import Settings
from tests.lake_fixtures import write_invocations
from tests.servers import free_port, wait_healthy


def test_streamlit_runs_the_app_headless_without_telemetry() -> None:
    cmd = streamlit_command(8600, "127.0.0.1")
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    # issue 10: the ASGI wrapper that serves APP without /_stcore/metrics
    assert Path(cmd[4]) == SERVER and APP.is_file()
    assert 'App(str(Path(__file__).resolve().parent / "app.py")' in SERVER.read_text()
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert pairs == {"--server.port": "8600", "--server.address": "127.0.0.1",
                     "--server.headless": "true", "--browser.gatherUsageStats": "false",
                     # issue 10: no stack traces to the browser, no Deploy button
                     "--client.showErrorDetails": "false", "--client.toolbarMode": "viewer"}


def test_lake_and_prices_reach_the_app_as_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prices = tmp_path / "p.csv"
    env = dashboard_env(Settings(lake="rel-lake", prices=prices), {"KEEP": "1"})
    assert env["BEDROCK_LOGBOOK_LAKE"] == str(tmp_path / "rel-lake")
    assert env["BEDROCK_LOGBOOK_PRICES"] == str(prices)
    assert env["KEEP"] == "1"
    # and the app reads the same settings back from that environment
    assert Settings.load(env).lake == str(tmp_path / "rel-lake")


def test_an_s3_lake_and_its_catalog_reach_the_app_unchanged() -> None:
    env = dashboard_env(Settings(lake="s3://team-lake/prod", catalog="sql:sqlite:///c.db"), {})
    assert env["BEDROCK_LOGBOOK_LAKE"] == "s3://team-lake/prod"  # not s3:/team-lake/prod
    assert env["BEDROCK_LOGBOOK_CATALOG"] == "sql:sqlite:///c.db"
    assert Settings.load(env).catalog == "sql:sqlite:///c.db"


def test_bad_setting_is_a_configuration_error() -> None:
    result = CliRunner().invoke(main, ["dashboard"], env={"BEDROCK_LOGBOOK_WORKERS": "many"})
    assert result.exit_code == 3
    assert "BEDROCK_LOGBOOK_WORKERS" in result.output


def test_command_serves_the_dashboard_and_says_where(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [{"request_id": "r-1", "ts": "2026-11-02T10:00:00Z"}])
    port = free_port()
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from bedrock_logbook.cli import main; main()", "dashboard",
             "--lake", str(lake), "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        assert f"at http://127.0.0.1:{port} " in log.read_text()
        # issue 10: Streamlit's metrics route (sessions, cache names, sizes, timings) is not
        # served, in any spelling Starlette would route to it; the app page still is
        for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=x",
                     "//_stcore/metrics"):
            with pytest.raises(urllib.error.HTTPError) as hidden:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            assert hidden.value.code == 404, path
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
