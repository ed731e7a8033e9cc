"""The dashboard as an ASGI app, served by ``streamlit run`` like ``app.py``, without
Streamlit's ``/_stcore/metrics`` route.

That route (no setting turns it off) tells anyone who can reach the server how many sessions
are open, how long they last, and the names, sizes and timings of the dashboard's caches.
``st.App`` takes user middleware, which runs before Streamlit's routes: a public hook, no
patching of Streamlit's internals.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit.starlette import App

HIDDEN_SUFFIX = "/_stcore/metrics"


class HideMetrics:
    """Answers 404 to Streamlit's metrics route (under any ``server.baseUrlPath``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith(HIDDEN_SUFFIX):
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"not found\n"})
            return
        await self.app(scope, receive, send)


app = App(str(Path(__file__).resolve().parent / "app.py"), middleware=[Middleware(HideMetrics)])
