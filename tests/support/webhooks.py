"""Receiving a test server's webhooks: a loopback HTTP receiver and a subscription.

A server may only call a loopback receiver when it runs with `LOOPBACK` in its environment
(tests only; `own_server(extra_env=...)`); `QUICK_RETRIES` shortens its retry schedule to
one second each. The `receiver` fixture (tests/conftest.py) is a `Receiver` per test.
"""

from __future__ import annotations

import threading
from typing import Any

from core.testing.http import Tenant
from tests.support import loopback
from tests.support.expect import created

LOOPBACK = {"PATRON_WEBHOOK_ALLOW_PRIVATE": "1"}
QUICK_RETRIES = {"PATRON_WEBHOOK_RETRY_SECONDS": "1,1,1"}
# How long a test waits for a delivery (the worker, retries, a busy machine).
WAIT_SECONDS = 45.0


class Receiver:
    """A loopback HTTP server recording every POST; `statuses[path]` is the list of codes
    to answer in turn (the last one repeats), 200 by default. Call `stop()` when done."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(loopback.QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                    )
                    codes = receiver.statuses.get(self.path) or [200]
                    code = codes.pop(0) if len(codes) > 1 else codes[0]
                self.send_response(code)
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = loopback.start(Handler)

    def url(self, path: str) -> str:
        return loopback.base_url(self.httpd) + path

    def received(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def stop(self) -> None:
        loopback.stop(self.httpd)


def subscribe(tenant: Tenant, url: str, events: list[str]) -> dict[str, Any]:
    """Subscribe a webhook at `url` to `events` for `tenant`; the created webhook."""
    return created(tenant.client.post("/webhooks", json={"url": url, "events": events}))
