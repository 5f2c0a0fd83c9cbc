"""What a test expects of an HTTP answer: a 2xx with a JSON body, or a problem document.

`created` (a 201) lives in `core.testing.http`, where plugin authors' tests use it too;
it is re-exported here so a test imports all of these from one place.
"""

from __future__ import annotations

from typing import Any

import httpx

from core.testing.http import created

__all__ = ["PROBLEM_JSON", "assert_problem", "created", "field_errors", "ok"]

PROBLEM_JSON = "application/problem+json"


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of an answer with `status` (None if empty); anything else fails with the
    request and body."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}: {response.text[:2000]}"
    )
    return response.json() if response.content else None


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    """An RFC 9457 problem with `status`; with `field`, a 422 naming that field."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} → {response.status_code}, "
        f"wanted {status}: {response.text[:1000]}"
    )
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key], f"problem without {key}: {body}"
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body
        assert all(error["message"] for error in body["errors"]), body
    return body


def field_errors(response: httpx.Response) -> list[str]:
    """The `field` of each entry of a 422 problem's `errors`."""
    assert response.status_code == 422, f"{response.status_code}: {response.text[:1000]}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return [error["field"] for error in response.json()["errors"]]
