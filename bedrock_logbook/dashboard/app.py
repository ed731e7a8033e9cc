"""bedrock-logbook dashboard: ``streamlit run dashboard/app.py`` (or ``bedrock-logbook
dashboard``). Draws the sidebar filters, then runs the chosen page; no SQL here."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from bedrock_logbook.dashboard import context, data, sidebar
from bedrock_logbook.queries import PriceFileError

# Not "pages/": Streamlit would also auto-discover that folder (its older multipage mode)
# and run a page without this script's sidebar.
PAGES_DIR = Path(__file__).with_name("views")

st.set_page_config(page_title="Bedrock logbook", page_icon="📒", layout="wide")

lake = data.configured_lake()
try:
    filters, lake_requests = sidebar.render(lake)
except PriceFileError as e:  # a user price file that cannot be used: say which line, why
    st.error(f"The price file cannot be used: {e}")
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
navigation.run()
