"""A backing service that does not answer is a 503 problem, never a 500 (api.md §2).

The mapping is tested on a tiny app with Patron's exception handlers: making the real
database or Redis vanish under a running server is slower and proves no more about it.
"""

from __future__ import annotations

import asyncpg
import pytest
import redis.exceptions
from litestar import Litestar, get
from litestar.testing import TestClient

from core.errors import EXCEPTION_HANDLERS

FAILURES = {
    "redis-refused": redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
    "redis-timeout": redis.exceptions.TimeoutError("Timeout reading from socket"),
    "socket-refused": ConnectionRefusedError(111, "Connection refused"),
    "timeout": TimeoutError(),
    "postgres-starting": asyncpg.exceptions.CannotConnectNowError("the database is starting"),
    "postgres-gone": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_an_unreachable_service_is_a_503_problem(failure: str):
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise FAILURES[failure]

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]  # handler types are narrower in Litestar's stubs
    with TestClient(app) as client:
        response = client.get("/boom")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 503
    assert "111" not in response.text  # no internals leak into the problem


def test_a_programming_error_is_still_a_500():
    @get("/bug", sync_to_thread=False)
    def bug() -> None:
        raise KeyError("bug")

    app = Litestar([bug], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]  # as above
    with TestClient(app) as client:
        assert client.get("/bug").status_code == 500
