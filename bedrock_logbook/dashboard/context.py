"""What every page needs, handed from ``app.py`` (which draws the sidebar) to the page that
runs after it in the same script run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from bedrock_logbook.dashboard import data
from bedrock_logbook.dashboard.names import ModelColours
from bedrock_logbook.queries.panels import Filters, PanelQuery

_SESSION_KEY = "bedrock_logbook.page_context"


@dataclass(frozen=True)
class PageContext:
    lake: data.Lake
    filters: Filters
    lake_requests: int  # invocations in the whole lake, before filters
    colours: ModelColours = ModelColours((), (), ())

    def load(self, panel: str, *, filters: Filters | None = None,
             **extra: Any) -> tuple[PanelQuery, Any]:
        return data.load(self.lake, panel, filters or self.filters, **extra)

    def named(self, frame: Any, column: str = "model") -> Any:
        """``frame`` with a ``model_name`` column: the readable name of ``column``."""
        if frame.empty or column not in frame.columns:
            return frame.assign(model_name=frame.get(column, []))
        return frame.assign(model_name=[self.colours.label(m) for m in frame[column]])

    def require_invocations(self) -> bool:
        """False (after saying how to ingest) when the lake holds no invocations yet."""
        if self.lake_requests > 0:
            return True
        show_empty_lake(self.lake)
        return False


def show_empty_lake(lake: data.Lake) -> None:
    st.info(
        f"The lake at `{lake.path}` holds no invocations yet. Ingest Bedrock "
        "model-invocation logs into it, then reload this page:"
    )
    st.code(
        f"bedrock-logbook ingest files PATH/TO/LOGS --lake {lake.path}\n"
        "# or try it with generated logs:\n"
        f"bedrock-logbook sample --records 10000 --out sample_logs\n"
        f"bedrock-logbook ingest files sample_logs --lake {lake.path}",
        language="bash",
    )


def publish(ctx: PageContext) -> None:
    st.session_state[_SESSION_KEY] = ctx


def current() -> PageContext:
    ctx = st.session_state.get(_SESSION_KEY)
    if not isinstance(ctx, PageContext):
        raise RuntimeError("dashboard pages run through dashboard/app.py (st.navigation)")
    return ctx
