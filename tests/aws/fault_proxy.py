"""A loopback HTTP proxy in front of moto that can misbehave like a real AWS endpoint.

Each request goes through ``decide(request) -> action``; actions: "pass", "slowdown" (S3 503
SlowDown), "throttle" (CloudWatch Logs 400 ThrottlingException), "drop" (close the connection
without a response), "truncate" (send the headers and half the body, then close), "deny" (403
AccessDenied in S3's XML error format). Every request is logged, so tests can count GETs.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str  # with query string
    target: str  # X-Amz-Target (CloudWatch Logs JSON API), or ""
    action: str

    @property
    def is_object_get(self) -> bool:
        return self.method == "GET" and "?" not in self.path


Decide = Callable[[SeenRequest], str]

_S3_SLOWDOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>"
)
_S3_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>FAULT</RequestId></Error>"
)
_LOGS_THROTTLE = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'


class FaultProxy:
    def __init__(self, upstream: str, decide: Decide | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.decide: Decide = decide or (lambda _r: "pass")
        self.seen: list[SeenRequest] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                probe = SeenRequest(self.command, self.path,
                                    self.headers.get("X-Amz-Target", ""), "")
                action = proxy.decide(probe)
                with proxy._lock:
                    proxy.seen.append(SeenRequest(probe.method, probe.path, probe.target, action))
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action in ("slowdown", "deny", "throttle"):
                    status, payload, ctype = {
                        "slowdown": (503, _S3_SLOWDOWN, "application/xml"),
                        "deny": (403, _S3_DENIED, "application/xml"),
                        "throttle": (400, _LOGS_THROTTLE, "application/x-amz-json-1.1"),
                    }[action]
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
                status, headers, data = proxy._forward(self.command, self.path,
                                                       dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length",
                                         "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if action == "truncate" and len(data) > 1:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _forward(self, method: str, path: str, headers: dict[str, str],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            # Keep Host as the client signed it: moto does not check signatures anyway.
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def object_gets(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.seen if r.is_object_get and r.action == "pass"]

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def every_nth(n: int, action: str, when: Callable[[SeenRequest], bool] = lambda _r: True,
              limit: int | None = None) -> Decide:
    """Misbehave on every n-th matching request (deterministic), at most ``limit`` times."""
    state = {"count": 0, "faults": 0}
    lock = threading.Lock()

    def decide(req: SeenRequest) -> str:
        if not when(req):
            return "pass"
        with lock:
            state["count"] += 1
            if state["count"] % n == 0 and (limit is None or state["faults"] < limit):
                state["faults"] += 1
                return action
        return "pass"

    return decide
