"""Waiting for what happens after a request returns: event hooks, webhooks, jobs.

Event hooks run after commit, from the outbox relay (polling every 0.2 s, retrying a failed
plugin after 1 s, 2 s, 4 s …), so a test polls with `eventually` instead of sleeping;
`finished_run` waits for a plugin schedule run started over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

# Allow for a few relay retries on a busy machine.
EVENT_TIMEOUT = 15.0


def eventually(probe: Callable[[], T], timeout: float = EVENT_TIMEOUT, what: str = "") -> T:
    """The first truthy value `probe()` returns within `timeout` seconds, or fail with the
    last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what or probe} (last: {value!r})")
        time.sleep(0.1)


def finished_run(client: httpx.Client, path: str, timeout: float = 30.0) -> dict[str, Any]:
    """A schedule run (`GET path`) once it is done or failed, or as it is after `timeout`
    seconds: the test's own asserts then say what was wrong."""
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(path).json()
        if run["status"] in {"done", "failed"} or time.monotonic() > deadline:
            return run
        time.sleep(0.1)
