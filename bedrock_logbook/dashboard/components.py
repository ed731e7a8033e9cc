"""How every panel is shown: title, chart or table, a "Show SQL" expander and a CSV download."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from bedrock_logbook.dashboard.charts import ChartSpec
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
) -> None:
    """A chart built from ``frame``; an explanation instead when the selection is empty.
    ``also``: further queries the chart draws on (shown and downloadable too)."""
    st.subheader(title)
    if caption:
        st.caption(caption)
    if frame.empty:
        st.info(NO_DATA)
    else:
        st.altair_chart(make_chart(frame), width="stretch")
    sql_and_download([(query, frame), *also], key or query.name)


def table_panel(title: str, query: PanelQuery, frame: Any, *, caption: str | None = None,
                key: str | None = None, column_config: dict[str, Any] | None = None) -> None:
    st.subheader(title)
    if caption:
        st.caption(caption)
    if frame.empty:
        st.info(NO_DATA)
    else:
        st.dataframe(frame, hide_index=True, column_config=column_config)
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
