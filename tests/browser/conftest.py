"""A real Streamlit server over a synthetic lake, and Debian's Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedrock_logbook.ingest.pipeline import ingest_records
from bedrock_logbook.ingest.sample import generate_records
from tests.servers import free_port, wait_healthy

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "server.py"  # the launcher `bedrock-logbook dashboard` serves
# Screenshots of every page (not in git: .gitignore); the test session prints where.
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
WINDOW = (1600, 1000)
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated logs through the real ingest: first byte, guardrails, several accounts,
    profiles and both modes, as a real lake has them."""
    lake = tmp_path_factory.mktemp("browser") / "lake"
    ingest_records(lake, generate_records(12_000, seed=5), source="files")
    return lake


def _serve(lake: Path, log: Path) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, BEDROCK_LOGBOOK_LAKE=str(lake))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def dashboard_url(browser_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(browser_lake, tmp_path_factory.mktemp("logs") / "streamlit.log")


@pytest.fixture(scope="session")
def empty_dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = tmp_path_factory.mktemp("empty") / "no-lake-here"
    yield from _serve(missing, tmp_path_factory.mktemp("logs-empty") / "streamlit.log")


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = "Chromium/ChromeDriver missing: run scripts/install-system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)  # `make test` installs them: in CI a missing browser is a bug
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    # the viewport itself (not the window around it) is 1600x1000
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WINDOW[0], "height": WINDOW[1], "deviceScaleFactor": 1, "mobile": False})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots: {ARTIFACTS}")
    try:
        yield browser
    finally:
        browser.quit()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"dashboard screenshots ({WINDOW[0]}x{WINDOW[1]}): {ARTIFACTS}")
