"""Helpers for the core API tests: a customer, a staff member with a role, an API time."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, overload

import httpx

from core.testing.http import Api, Tenant
from tests.support.expect import created


def new_customer(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A customer named "Customer" unless `fields` say otherwise, made through `client`."""
    return created(client.post("/customers", json={"name": "Customer", **fields}))


def add_staff(api: Api, tenant: Tenant, role: str) -> tuple[str, httpx.Client]:
    """A new staff member with `role`: their user id and a client acting as them."""
    suffix = uuid.uuid4().hex[:8]
    user = created(
        tenant.client.post(
            "/users",
            json={
                "name": f"{role} {suffix}",
                "email": f"{role}-{suffix}@example.com",
                "role": role,
            },
        )
    )
    key = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": role}))
    return str(user["id"]), api.client(key["key"])


@overload
def instant(text: str) -> datetime.datetime: ...
@overload
def instant(text: None) -> None: ...
def instant(text: str | None) -> datetime.datetime | None:
    """An RFC 3339 time from the API, which must carry an offset (None stays None)."""
    if text is None:
        return None
    value = datetime.datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text!r} has no offset"
    return value
