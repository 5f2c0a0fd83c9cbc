"""HTTP clients for a running server, and tenants made through its platform API.

`Api` builds httpx clients for one server and closes them all at the end; a `Tenant` is
made with the operator token and carries a client acting as its owner. Slugs are random,
so tests that share a server never collide.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.testing.server import RunningServer

API_PREFIX = "/api/v1"
CLIENT_TIMEOUT = 30.0


@dataclass
class Tenant:
    """A tenant made through the platform API, with a client holding its owner key.

    `data` is the `tenant` object of the 201 answer.
    """

    id: str
    slug: str
    data: dict[str, Any]
    owner_key: str
    client: httpx.Client
    _api: Api = field(repr=False)

    def user_key(self, role: str, name: str | None = None) -> str:
        """Create a staff member with `role` and an API key for them; return the key."""
        suffix = uuid.uuid4().hex[:8]
        user = created(
            self.client.post(
                "/users",
                json={
                    "name": name or f"{role.title()} {suffix}",
                    "email": f"{role}-{suffix}@{self.slug}.example.com",
                    "role": role,
                },
            )
        )
        key = created(self.client.post(f"/users/{user['id']}/api-keys", json={"label": role}))
        return str(key["key"])

    def as_role(self, role: str) -> httpx.Client:
        """A client acting as a new staff member with `role` in this tenant."""
        return self._api.client(self.user_key(role))

    def enable_plugin(self, name: str, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """`PUT /plugins/{name}` as the owner; returns the plugin's state (api.md §5)."""
        response = self.client.put(f"/plugins/{name}", json={"config": dict(config or {})})
        assert response.status_code == 200, (
            f"enabling the plugin {name!r} for {self.slug} answered "
            f"{response.status_code}: {response.text[:2000]}"
        )
        state: dict[str, Any] = response.json()
        return state


class Api:
    """Builds clients for one server and closes them all in `close()`."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.tenants: list[Tenant] = []  # made by `new_tenant`, in order
        self._clients: list[httpx.Client] = []

    def client(self, key: str | None = None) -> httpx.Client:
        """A client for `/api/v1`, authenticated with `key` when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.Client(
            base_url=self.server.base_url + API_PREFIX, headers=headers, timeout=CLIENT_TIMEOUT
        )
        self._clients.append(client)
        return client

    def operator(self) -> httpx.Client:
        """A client with the platform operator's token."""
        return self.client(self.server.operator_token)

    def new_tenant(self, name: str | None = None, slug: str | None = None, **extra: Any) -> Tenant:
        """Create a tenant via `POST /platform/tenants`; `extra` adds body fields
        (`plan`, `preset`, …). Slugs are random, so tests never collide."""
        slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        body = {
            "name": name or f"Tenant {slug}",
            "slug": slug,
            "admin_email": f"owner@{slug}.example.com",
            **extra,
        }
        with self.client(self.server.operator_token) as operator:
            answer = created(operator.post("/platform/tenants", json=body))
        tenant = answer["tenant"]
        made = Tenant(
            id=str(tenant["id"]),
            slug=str(tenant["slug"]),
            data=tenant,
            owner_key=str(answer["api_key"]),
            client=self.client(answer["api_key"]),
            _api=self,
        )
        self.tenants.append(made)
        return made

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


def created(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a 201 answer; anything else fails with the request and body."""
    assert response.status_code == 201, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}: {response.text[:2000]}"
    )
    body: dict[str, Any] = response.json()
    return body
