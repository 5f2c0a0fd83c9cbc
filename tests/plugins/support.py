"""Helpers for the plugin tests: waiting for after-commit effects, and the gym's world."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from core.testing.http import Api, Tenant

T = TypeVar("T")

# Event hooks run after commit, from the outbox relay (polling every 0.2 s, retrying a failed
# plugin after 1 s, 2 s, 4 s …): allow for a few retries on a busy machine.
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


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of an answer with `status`; anything else fails with the request and body."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}: {response.text[:2000]}"
    )
    return response.json() if response.content else None


def field_errors(response: httpx.Response) -> list[str]:
    """The `field` of each entry of a 422 problem's `errors`."""
    assert response.status_code == 422, f"{response.status_code}: {response.text[:1000]}"
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


def enable(tenant: Tenant, plugin: str = "gym", **config: Any) -> dict[str, Any]:
    state: dict[str, Any] = ok(tenant.client.put(f"/plugins/{plugin}", json={"config": config}))
    return state


def new_customer(tenant: Tenant, name: str = "张三") -> dict[str, Any]:
    customer: dict[str, Any] = ok(tenant.client.post("/customers", json={"name": name}), 201)
    return customer


def join(
    tenant: Tenant, customer_id: str, plan: str = "monthly", starts_on: datetime.date | None = None
) -> httpx.Response:
    """`POST /plugins/gym/memberships` (starting today, tenant time, unless told)."""
    return tenant.client.post(
        "/plugins/gym/memberships",
        json={
            "customer_id": customer_id,
            "plan": plan,
            "starts_on": (starts_on or today(tenant)).isoformat(),
        },
    )


def today(tenant: Tenant) -> datetime.date:
    """Today in the tenant's time zone: what the gym calls today."""
    return datetime.datetime.now(ZoneInfo(tenant.data["timezone"])).date()


def tasks_of(tenant: Tenant, customer_id: str, source: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(
        tenant.client.get("/tasks", params={"customer_id": customer_id, "source": source})
    )["items"]
    return items


def new_user(api: Api, tenant: Tenant, role: str) -> tuple[str, httpx.Client]:
    """A staff member with `role`: their user id and a client acting as them."""
    name = f"{role.title()} {uuid.uuid4().hex[:8]}"
    key = tenant.user_key(role, name=name)
    users = ok(tenant.client.get("/users", params={"limit": 500}))
    [user_id] = [str(user["id"]) for user in users["items"] if user["name"] == name]
    return user_id, api.client(key)
