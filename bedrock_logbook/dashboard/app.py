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

def unreadable_lake(path: Path, e: Exception) -> str:
    """One friendly line instead of a stack trace (which showErrorDetails=false hides)."""
    first = str(e).splitlines()[0] if str(e) else type(e).__name__
    return (f"Part of the lake at `{path}` cannot be read ({first[:300]}). Look for files "
            "that are not what their names say (e.g. symlinks or folders under `_runs/`).")


st.set_page_config(page_title="Bedrock logbook", page_icon="📒", layout="wide")

lake = data.configured_lake()
try:
    filters, lake_requests = sidebar.render(lake)
except PriceFileError as e:  # a user price file that cannot be used: say which line, why
    st.error(f"The price file cannot be used: {e}")
    st.stop()
except duckdb.Error as e:
    st.error(unreadable_lake(lake.path, e))
    st.stop()
context.publish(context.PageContext(lake=lake, filters=filters, lake_requests=lake_requests))

navigation = st.navigation(
    [
        st.Page(PAGES_DIR / "overview.py", title="Overview", url_path="overview", default=True),
        st.Page(PAGES_DIR / "latency.py", title="Latency", url_path="latency"),
        st.Page(PAGES_DIR / "modes.py", title="Modes", url_path="modes"),
        st.Page(PAGES_DIR / "routing.py", title="Routing", url_path="routing"),
        st.Page(PAGES_DIR / "cost.py", title="Cost", url_path="cost"),
        st.Page(PAGES_DIR / "health.py", title="Data health", url_path="health"),
    ]
)
try:
    navigation.run()
except duckdb.Error as e:  # e.g. a file in the lake that is not what its name says
    st.error(unreadable_lake(lake.path, e))
