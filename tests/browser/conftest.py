"""A real Streamlit server over a synthetic lake, and Debian's Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.synthetic_lake import write_lake
from tests.servers import free_port, wait_healthy

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "server.py"  # the launcher `bedrock-logbook dashboard` serves
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("browser") / "lake"
    write_lake(lake, rows=30_000)
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
                 "--disable-sync", "--no-first-run", "--window-size=1400,2600",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield browser
    finally:
        browser.quit()
