"""How every panel is shown: title, chart or table, a "Show SQL" expander and a CSV download."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from bedrock_logbook.dashboard import tables
from bedrock_logbook.dashboard.charts import PICK, ChartSpec
from bedrock_logbook.dashboard.names import ModelColours
from bedrock_logbook.queries.panels import PanelQuery

NO_DATA = "No data for this selection. Widen the date range or clear some filters."


Result = tuple[PanelQuery, Any]  # a panel query and its DataFrame


def sql_and_download(results: Sequence[Result], key: str) -> None:
    """The SQL behind a panel (with its bound values) and its data as CSV."""
    with st.expander("Show SQL"):
        for query, _ in results:
            st.code(query.sql.strip(), language="sql")
            if query.params:
                st.caption("Bound parameters")
                st.code(json.dumps(dict(query.params), default=str, indent=2), language="json")
    for i, (query, frame) in enumerate(results):
        st.download_button(
            f"Download CSV ({query.name})" if len(results) > 1 else "Download CSV",
            frame.to_csv(index=False).encode("utf-8"),
            file_name=f"{query.name}.csv",
            mime="text/csv",
            key=f"csv-{key}-{i}",
        )


def chart_panel(
    title: str, query: PanelQuery, frame: Any, make_chart: Callable[[Any], ChartSpec],
    *, caption: str | None = None, key: str | None = None, also: Sequence[Result] = (),
    selectable: bool = False,
) -> list[dict[str, Any]]:
    """A chart built from ``frame`` under ``title`` (the question it answers); an explanation
    instead when the selection is empty. ``also``: further queries the chart draws on (shown
    and downloadable too). ``selectable``: the chart's point selection (``charts.PICK``) is
    returned, so the page can open the drill-down on what was clicked."""
    st.subheader(title)
    if caption:
        st.caption(caption)
    picked: list[dict[str, Any]] = []
    if frame.empty:
        st.info(NO_DATA)
    elif selectable:
        event = st.altair_chart(make_chart(frame), width="stretch", on_select="rerun",
                                selection_mode=PICK, key=f"chart-{key or query.name}")
        selection = event.get("selection", {}) if isinstance(event, dict) else getattr(
            event, "selection", {})
        picked = list((selection or {}).get(PICK, []) or [])
    else:
        st.altair_chart(make_chart(frame), width="stretch")
    sql_and_download([(query, frame), *also], key or query.name)
    return picked


def table_panel(title: str, query: PanelQuery, frame: Any, *, caption: str | None = None,
                key: str | None = None, colours: ModelColours | None = None,
                hide: tuple[str, ...] = (), height: int | None = None) -> None:
    """A table with human column names and formatted numbers (``tables.present``)."""
    st.subheader(title)
    if caption:
        st.caption(caption)
    if frame.empty:
        st.info(NO_DATA)
    else:
        shown, config = tables.present(frame, colours, hide)
        if height is None:
            st.dataframe(shown, hide_index=True, column_config=config)
        else:
            st.dataframe(shown, hide_index=True, column_config=config, height=height)
    sql_and_download([(query, frame)], key or query.name)


def compact(value: Any) -> str:
    """12,345,678 -> '12.3M': big counts that must fit a metric tile."""
    if value is None or value != value:
        return "—"
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:,.0f}"


def usd(value: Any) -> str:
    if value is None or value != value:
        return "—"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def ms(value: Any) -> str:
    return "—" if value is None or value != value else f"{value:,.0f} ms"


def pct(value: Any) -> str:
    return "—" if value is None or value != value else f"{value:.1%}"
