"""Every dashboard page in a real headless Chromium against a real Streamlit server: on an
ingested lake, on an empty lake and with filters that select nothing. Each page is saved as
1600x1000 screenshots, scrolled top to bottom (the folder is printed at the end of the run)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, WINDOW

pytestmark = pytest.mark.browser

# url path -> (page title, charts the page draws on the ingested lake)
PAGES = {
    "": ("Overview", 2),  # the default page lives at the root URL
    "overview": ("Overview", 2),  # and at its own name, like every other page
    "cost": ("Spend", 4),
    "latency": ("Latency", 4),
    "modes": ("Latency modes", 3),
    "routing": ("Cross-region routing", 3),
    "reliability": ("Reliability", 4),
    "requests": ("Requests", 0),
    "health": ("Data health", 3),  # no quarantine in this lake: that panel says so
}
MENU = {"overview": "Overview", "cost": "Spend", "latency": "Latency", "modes": "Modes",
        "routing": "Routing", "reliability": "Reliability", "requests": "Requests"}
CHART_SELECTOR = '[data-testid="stVegaLiteChart"]'  # drawn when scrolled into view
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
MAX_SHOTS = 6  # screenshots per page, one viewport each
# The element Streamlit scrolls (the document itself does not).
_SCROLLER = """
const main = document.querySelector('[data-testid="stMain"]');
if (!main) return null;
const all = [main, ...main.querySelectorAll('div, section')];
return all.find(e => e.scrollHeight > e.clientHeight + 20
                     && /(auto|scroll)/.test(getComputedStyle(e).overflowY)) || null;
"""


def _settle(driver: Any, title: str, min_charts: int, timeout: float = 90) -> int:
    """Wait until the page shows ``title``, has drawn ``min_charts`` charts and stopped
    running; returns the number of charts drawn."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    charts = 0
    while time.monotonic() < deadline:
        try:
            titles = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h1")]
        except StaleElementReferenceException:  # Streamlit redrew the page meanwhile
            time.sleep(0.3)
            continue
        running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        charts = len(driver.find_elements(By.CSS_SELECTOR, CHART_SELECTOR))
        if title in titles and charts >= min_charts and not running:
            time.sleep(1.0)  # let the last charts finish painting before the screenshot
            return len(driver.find_elements(By.CSS_SELECTOR, CHART_SELECTOR))
        time.sleep(0.3)
    raise AssertionError(f"page {title!r}: {charts} of {min_charts} charts after {timeout}s")


def _screenshots(driver: Any, name: str) -> None:
    """The page as 1600x1000 viewports from top to bottom (at most MAX_SHOTS)."""
    assert driver.execute_script("return [window.innerWidth, window.innerHeight]")[0] >= (
        WINDOW[0] - 20)
    scroller = driver.execute_script(_SCROLLER)
    for i in range(MAX_SHOTS):
        driver.save_screenshot(str(ARTIFACTS / f"{name}-{i + 1}.png"))
        if scroller is None:
            return
        before = driver.execute_script("return arguments[0].scrollTop", scroller)
        driver.execute_script("arguments[0].scrollTop += arguments[0].clientHeight - 80",
                              scroller)
        time.sleep(0.6)  # charts below the fold draw when scrolled in
        if driver.execute_script("return arguments[0].scrollTop", scroller) == before:
            return


def _errors(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ERROR_SELECTOR)]


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_charts(driver: Any, dashboard_url: str, path: str) -> None:
    from selenium.webdriver.common.by import By

    title, min_charts = PAGES[path]
    driver.get(f"{dashboard_url}/{path}")
    drawn = _settle(driver, title, min_charts)
    _screenshots(driver, f"page-{path or 'root'}")
    assert _errors(driver) == []
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Page not found" not in body
    assert "None" not in body.split()  # tables say "—", never "None"
    assert drawn >= min_charts
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"]'), "no Show SQL"
    if path == "requests":
        assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')


def test_empty_lake_says_how_to_ingest(driver: Any, empty_dashboard_url: str) -> None:
    from selenium.webdriver.common.by import By

    for path, (title, _) in PAGES.items():
        driver.get(f"{empty_dashboard_url}/{path}")
        _settle(driver, title, 0)
        if path in ("", "cost", "health"):
            _screenshots(driver, f"empty-{path or 'root'}")
        assert _errors(driver) == [], path
        assert "bedrock-logbook ingest files" in driver.find_element(By.TAG_NAME, "body").text


def _pick(driver: Any, label: str, option: str) -> None:
    """Choose ``option`` in the sidebar multiselect labelled ``label`` (type, then Enter)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(
        By.XPATH, f'//section[@data-testid="stSidebar"]//div[@data-testid="stMultiSelect"]'
                  f'[.//label[normalize-space()="{label}"]]//input')
    box.click()
    box.send_keys(option)
    time.sleep(0.5)
    box.send_keys(Keys.ENTER)
    box.send_keys(Keys.ESCAPE)
    time.sleep(1.5)


def test_filters_that_select_nothing(driver: Any, dashboard_url: str) -> None:
    """A model the lake never served optimized, with served mode 'optimized': every page
    says so instead of failing."""
    from selenium.webdriver.common.by import By

    driver.get(dashboard_url)
    _settle(driver, "Overview", 2)
    _pick(driver, "Model", "Titan Text Express")
    _pick(driver, "Served mode", "optimized")
    for path, (title, _) in PAGES.items():
        if path not in MENU:  # the root is the Overview; health's freshness ignores filters
            continue
        link = driver.find_element(
            By.XPATH, '//section[@data-testid="stSidebar"]//a[.//span[normalize-space()='
                      f'"{MENU[path]}"]]')
        link.click()
        _settle(driver, title, 0)
        if path in ("overview", "latency"):
            _screenshots(driver, f"nothing-{path}")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert _errors(driver) == [], path
        assert "No data for this selection" in body, path
