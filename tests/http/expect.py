"""What a test expects of a response: a 201, a 2xx, or a problem document."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_JSON = "application/problem+json"


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text[:1000]}"
    )
    return response.json()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text[:1000]}"
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
