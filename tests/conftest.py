"""Fixtures: a real PostgreSQL cluster, a real server per backend, HTTP helpers.

- `backend` runs each test that uses it once per database backend
  ("sqlite", "postgresql"); `PATRON_TEST_BACKENDS=sqlite` (a comma list)
  narrows that, e.g. for a quick local run.
- `server` is one running API per backend for the whole session; tests share
  it and stay apart by making their own tenants (`tenant`, `other_tenant`).
- `api` builds httpx clients for that server and closes them afterwards.
- `postgres` is the session's PostgreSQL cluster, started only when a test
  needs it, so a SQLite-only run never starts one.
- `@pytest.mark.postgres_only` limits a test to PostgreSQL: its "sqlite"
  instances are deselected, and it is skipped when PostgreSQL is not among
  the selected backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.postgres import PostgresCluster
from tests.support.server import RunningServer, start_server

ALL_BACKENDS = ("sqlite", "postgresql")
API_PREFIX = "/api/v1"
CLIENT_TIMEOUT = 30.0


def selected_backends() -> list[str]:
    """The backends named in PATRON_TEST_BACKENDS, or all of them."""
    raw = os.environ.get("PATRON_TEST_BACKENDS", "").strip()
    if not raw:
        return list(ALL_BACKENDS)
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown or not chosen:
        raise pytest.UsageError(
            f"PATRON_TEST_BACKENDS={raw!r}: use a comma list of {', '.join(ALL_BACKENDS)}"
        )
    return [name for name in ALL_BACKENDS if name in chosen]


BACKENDS = selected_backends()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply `postgres_only`: drop its non-PostgreSQL instances, skip it when
    PostgreSQL is not selected at all."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if item.get_closest_marker("postgres_only") is None:
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if backend is not None and backend != "postgresql":
            dropped.append(item)
            continue
        if "postgresql" not in BACKENDS:
            item.add_marker(pytest.mark.skip(reason="PATRON_TEST_BACKENDS excludes postgresql"))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# -- real processes -----------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The session's private PostgreSQL cluster (role `patron`, db `patron_test`)."""
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session", params=BACKENDS, ids=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test instance: "sqlite" or "postgresql"."""
    return str(request.param)


@pytest.fixture(scope="session")
def server(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """One running API for this backend, shared by the session.

    Its working directory (with server.log and migrate.log) is kept under
    pytest's basetemp for the last few runs, for reading after a failure.
    """
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    database_url = None
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.app_dsn
    running = start_server(database_url, workdir=workdir)
    try:
        yield running
    finally:
        running.stop()


# -- HTTP helpers -------------------------------------------------------------


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
        user = _created(
            self.client.post(
                "/users",
                json={
                    "name": name or f"{role.title()} {suffix}",
                    "email": f"{role}-{suffix}@{self.slug}.example.com",
                    "role": role,
                },
            )
        )
        key = _created(self.client.post(f"/users/{user['id']}/api-keys", json={"label": role}))
        return str(key["key"])

    def as_role(self, role: str) -> httpx.Client:
        """A client acting as a new staff member with `role` in this tenant."""
        return self._api.client(self.user_key(role))


class Api:
    """Builds clients for one server and closes them all in `close()`."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
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
            answer = _created(operator.post("/platform/tenants", json=body))
        tenant = answer["tenant"]
        return Tenant(
            id=str(tenant["id"]),
            slug=str(tenant["slug"]),
            data=tenant,
            owner_key=str(answer["api_key"]),
            client=self.client(answer["api_key"]),
            _api=self,
        )

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


def _created(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a 201 answer; anything else fails with the request and body."""
    assert response.status_code == 201, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}: {response.text[:2000]}"
    )
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def api(server: RunningServer) -> Iterator[Api]:
    """Client factory for the current backend's server; closes its clients."""
    helper = Api(server)
    try:
        yield helper
    finally:
        helper.close()


@pytest.fixture
def tenant(api: Api) -> Tenant:
    """A fresh tenant, with `tenant.client` acting as its owner."""
    return api.new_tenant()


@pytest.fixture
def other_tenant(api: Api) -> Tenant:
    """A second fresh tenant, for isolation tests."""
    return api.new_tenant()
