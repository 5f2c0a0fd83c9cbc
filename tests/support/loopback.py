"""Tiny HTTP servers on loopback, for what a test server calls out to (webhook receivers,
SMS gateways, a stand-in internal service): a request handler class in, a running server
out, on a free port, served from a daemon thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (http.server writes every request to stderr)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


def start(handler: type[BaseHTTPRequestHandler], host: str = HOST) -> ThreadingHTTPServer:
    """`handler` serving on a free port of `host`; end it with `stop`."""
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def base_url(server: ThreadingHTTPServer) -> str:
    """`http://host:port` of a server from `start`."""
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler], host: str = HOST) -> Iterator[str]:
    """`handler` on a free port of `host` for the block: its base URL."""
    server = start(handler, host)
    try:
        yield base_url(server)
    finally:
        stop(server)
