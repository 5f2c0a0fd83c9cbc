"""Helpers for the plugin tests: the gym's world (enabling a plugin, customers, memberships,
tasks, staff). What an answer should be is in `tests.support.expect`, waiting for
after-commit effects in `tests.support.wait`."""

from __future__ import annotations

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from core.testing.http import Api, Tenant
from tests.support.expect import ok


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
