"""bedrock-logbook dashboard: ``streamlit run dashboard/app.py`` (or ``bedrock-logbook
dashboard``). Draws the sidebar filters, then runs the chosen page; no SQL here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from bedrock_logbook.dashboard import context, data, sidebar
from bedrock_logbook.queries import PriceFileError

# Not "pages/": Streamlit would also auto-discover that folder (its older multipage mode)
# and run a page without this script's sidebar.
PAGES_DIR = Path(__file__).with_name("views")

def unreadable_lake(path: str | Path, e: Exception) -> str:
    """One friendly line instead of a stack trace (which showErrorDetails=false hides)."""
    first = str(e).splitlines()[0] if str(e) else type(e).__name__
    return (f"Part of the lake at `{path}` cannot be read ({first[:300]}). Look for files "
            "that are not what their names say (e.g. symlinks or folders under `_runs/`).")


st.set_page_config(page_title="Bedrock logbook", page_icon="📒", layout="wide")

lake = data.configured_lake()
try:
    filters, lake_requests, colours = sidebar.render(lake)
except PriceFileError as e:  # a user price file that cannot be used: say which line, why
    st.error(f"The price file cannot be used: {e}")
    st.stop()
except duckdb.Error as e:
    st.error(unreadable_lake(lake.path, e))
    st.stop()
context.publish(context.PageContext(lake=lake, filters=filters, lake_requests=lake_requests,
                                    colours=colours))

# (file, title, url path) of every page, in menu order.
PAGES = [
    ("overview.py", "Overview", "overview"),
    ("cost.py", "Spend", "cost"),
    ("latency.py", "Latency", "latency"),
    ("modes.py", "Modes", "modes"),
    ("routing.py", "Routing", "routing"),
    ("reliability.py", "Reliability", "reliability"),
    ("requests.py", "Requests", "requests"),
    ("health.py", "Data health", "health"),
]
# Streamlit serves the default page only at "/" (its own url_path then answers "Page not
# found"), so the Overview is the default page under a reserved name and a hidden copy of
# it answers /overview: every page has a working URL, and the menu lists each page once.
navigation = st.navigation(
    [
        st.Page(PAGES_DIR / PAGES[0][0], title=PAGES[0][1], url_path="home", default=True),
        st.Page(PAGES_DIR / PAGES[0][0], title=PAGES[0][1], url_path=PAGES[0][2],
                visibility="hidden"),
        *(st.Page(PAGES_DIR / file, title=title, url_path=path) for file, title, path in PAGES[1:]),
    ]
)
try:
    navigation.run()
except duckdb.Error as e:  # e.g. a file in the lake that is not what its name says
    st.error(unreadable_lake(lake.path, e))
