"""Every dashboard page in a real headless Chromium against a real Streamlit server."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

# url path -> (page title, charts the page draws on the synthetic lake)
PAGES = {
    "": ("Overview", 2),  # the default page lives at the root URL
    "overview": ("Overview", 2),  # and at its own name, like every other page
    "latency": ("Latency", 4),
    "modes": ("Latency modes", 2),
    "routing": ("Cross-region routing", 3),
    "cost": ("Cost", 3),
    "health": ("Data health", 3),
}
CHART_SELECTOR = ".vega-embed canvas, .vega-embed svg.marks"
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _settle(driver: Any, title: str, min_charts: int, timeout: float = 60) -> int:
    """Wait until the page shows ``title``, has drawn ``min_charts`` charts and stopped
    running; returns the number of charts drawn."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    charts = 0
    while time.monotonic() < deadline:
        titles = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h1")]
        running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        charts = len(driver.find_elements(By.CSS_SELECTOR, CHART_SELECTOR))
        if title in titles and charts >= min_charts and not running:
            time.sleep(1.0)  # let the last charts finish painting before the screenshot
            return len(driver.find_elements(By.CSS_SELECTOR, CHART_SELECTOR))
        time.sleep(0.3)
    raise AssertionError(f"page {title!r}: {charts} of {min_charts} charts after {timeout}s")


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_charts(driver: Any, dashboard_url: str, path: str) -> None:
    from selenium.webdriver.common.by import By

    title, min_charts = PAGES[path]
    driver.get(f"{dashboard_url}/{path}")
    drawn = _settle(driver, title, min_charts)
    driver.save_screenshot(str(ARTIFACTS / f"dashboard-{path or 'root'}.png"))
    errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ERROR_SELECTOR)]
    assert errors == []
    assert "Page not found" not in driver.find_element(By.TAG_NAME, "body").text
    assert drawn >= min_charts
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"]'), "no Show SQL"


def test_empty_lake_says_how_to_ingest(driver: Any, empty_dashboard_url: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(empty_dashboard_url)
    _settle(driver, "Overview", 0)
    driver.save_screenshot(str(ARTIFACTS / "dashboard-empty-lake.png"))
    assert driver.find_elements(By.CSS_SELECTOR, ERROR_SELECTOR) == []
    assert "bedrock-logbook ingest files" in driver.find_element(By.TAG_NAME, "body").text
