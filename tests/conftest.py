"""Fixtures: a real PostgreSQL cluster, a real server per backend, HTTP helpers.

- `backend` runs each test that uses it once per database backend
  ("sqlite", "postgresql"); `PATRON_TEST_BACKENDS=sqlite` (a comma list)
  narrows that, e.g. for a quick local run.
- `server` is one running API per backend for the whole session; tests share
  it and stay apart by making their own tenants (`tenant`, `other_tenant`).
- `api` builds httpx clients for that server and closes them afterwards.
- `receiver` is a loopback webhook receiver (tests/support/webhooks.py); `hook_server` a
  server per backend that may call it, with a short retry schedule, and `hooks_api` its
  client factory.
- `postgres` is the session's PostgreSQL cluster, started only when a test
  needs it, so a SQLite-only run never starts one.
- `@pytest.mark.postgres_only` limits a test to PostgreSQL: its "sqlite"
  instances are deselected, and it is skipped when PostgreSQL is not among
  the selected backends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.testing.http import Api, Tenant
from core.testing.postgres import PostgresCluster
from core.testing.server import RunningServer, start_server
from tests.support import fixture_plugins
from tests.support.backends import BACKENDS
from tests.support.servers import api_for, own_server_fixture
from tests.support.webhooks import LOOPBACK, QUICK_RETRIES, Receiver


def pytest_configure(config: pytest.Config) -> None:
    """The test-only plugins (tests/plugins/gym) are installed for this session only, into
    a throwaway directory (tests/support/fixture_plugins.py): never for `patron serve`."""
    directory = Path(tempfile.mkdtemp(prefix="patron-test-plugins-"))
    fixture_plugins.install(directory)
    config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply `postgres_only`: drop its non-PostgreSQL instances, skip it when
    PostgreSQL is not selected at all.

    Group the tests by backend for pytest-xdist (`--dist loadgroup`): each test process
    then runs one backend's tests, so it starts that backend's server once and never
    switches between them (pytest keeps one instance of a parametrised session fixture
    at a time). Tests without a backend are spread over the processes one by one."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if backend is not None:
            item.add_marker(pytest.mark.xdist_group(backend))
        if item.get_closest_marker("postgres_only") is None:
            kept.append(item)
            continue
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


# -- HTTP helpers (core.testing.http: `Api` builds clients, `Tenant` is one tenant) --


@pytest.fixture
def api(server: RunningServer) -> Iterator[Api]:
    """Client factory for the current backend's server; closes its clients."""
    with api_for(server) as helper:
        yield helper


@pytest.fixture
def tenant(api: Api) -> Tenant:
    """A fresh tenant, with `tenant.client` acting as its owner."""
    return api.new_tenant()


@pytest.fixture
def other_tenant(api: Api) -> Tenant:
    """A second fresh tenant, for isolation tests."""
    return api.new_tenant()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback webhook receiver (tests/support/webhooks.py), stopped afterwards."""
    r = Receiver()
    try:
        yield r
    finally:
        r.stop()


hook_server = own_server_fixture(
    "A server that may call loopback receivers, with a short retry schedule.",
    LOOPBACK | QUICK_RETRIES,
)


@pytest.fixture
def hooks_api(hook_server: RunningServer) -> Iterator[Api]:
    with api_for(hook_server) as helper:
        yield helper
