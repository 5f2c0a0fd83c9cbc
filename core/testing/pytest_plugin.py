"""Fixtures for plugin authors: test a plugin against a real Patron server.

Registered as the `patron` pytest11 entry point, so they are there in every project that
installs Patron. Every name starts with `patron_`; nothing starts before a test asks for it.

- `patron_server`: one running API for the session (SQLite in a temp dir by default),
  loading the plugins named by `patron_plugins`.
- `patron_tenant_factory(plugins={"gym": {...}})`: a new tenant with those plugins
  enabled through the API, as its owner would.
- `patron_client(tenant, role="agent")`: an httpx client for `/api/v1` with the key of a
  new staff member of that role.
- `patron_run_events()`: a burst worker: delivers every pending event to the plugins'
  hooks before returning, and fails the test when a hook raised.
- `patron_run_schedule(tenant, plugin, schedule, at=None)`: runs a plugin's schedule for
  the tenant now (or as of the instant `at`), as if its slot had come, and returns the run.
  The server's own scheduler is off (`PATRON_SCHEDULER=off`) unless `patron_server_env`
  turns it on, so schedules run only when a test says so.

Override these session fixtures in your conftest.py to choose what the server runs:
`patron_plugins` (default None: every installed plugin), `patron_database_url` (default:
PATRON_TEST_DATABASE_URL, else a fresh SQLite file), `patron_server_env` (extra
environment, e.g. `{"PATRON_WEBHOOK_ALLOW_PRIVATE": "1"}`).
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from core.testing.postgres import PostgresCluster
from core.testing.server import RunningServer, ServerError, start_server

PluginConfigs = Mapping[str, Mapping[str, Any] | None] | Iterable[str]
DRAIN_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def patron_plugins() -> list[str] | None:
    """The plugins `patron_server` loads (PATRON_PLUGINS); None: every installed plugin."""
    return None


@pytest.fixture(scope="session")
def patron_postgres() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster (needs the server binaries), for a `patron_database_url`
    override: `return patron_postgres.create_database()`."""
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def patron_database_url() -> str | None:
    """The database of `patron_server`: PATRON_TEST_DATABASE_URL, or None for a fresh
    SQLite file in the server's directory."""
    return os.environ.get("PATRON_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def patron_server_env() -> dict[str, str]:
    """Extra environment for `patron_server` (a `PYTHONPATH` is put in front of ours)."""
    return {}


@pytest.fixture(scope="session")
def patron_server(
    patron_plugins: list[str] | None,
    patron_database_url: str | None,
    patron_server_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """A running Patron API for the session, migrated, with the chosen plugins loaded.

    Its directory (server.log, migrate.log) stays under pytest's basetemp for reading
    after a failure. Tests share it and stay apart by making their own tenants.
    """
    env = dict(patron_server_env)
    if patron_plugins is not None:
        if not patron_plugins:
            raise pytest.UsageError("patron_plugins: name at least one plugin, or None for all")
        env["PATRON_PLUGINS"] = ",".join(patron_plugins)
    server = start_server(
        patron_database_url, extra_env=env, workdir=tmp_path_factory.mktemp("patron-server")
    )
    try:
        if patron_plugins:
            _check_loaded(server, patron_plugins)
        yield server
    finally:
        server.stop()


def _check_loaded(server: RunningServer, wanted: Iterable[str]) -> None:
    """Fail at once, with the loader's reasons, when a wanted plugin did not load."""
    listed = server.cli("plugins", "list", "--json")
    if listed.returncode != 0:
        raise ServerError(f"`patron plugins list` failed:\n{listed.stdout}{listed.stderr}")
    loaded = {plugin["name"] for plugin in json.loads(listed.stdout)}
    missing = sorted(set(wanted) - loaded)
    if missing:
        raise ServerError(
            f"patron_plugins names {', '.join(missing)}, which did not load "
            f"(loaded: {', '.join(sorted(loaded)) or 'none'})\n--- loader\n{listed.stderr}"
        )


@pytest.fixture
def patron_api(patron_server: RunningServer) -> Iterator[Api]:
    """Builds clients for `patron_server` (`client(key)`, `operator()`, `new_tenant()`);
    closes them after the test."""
    api = Api(patron_server)
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def patron_tenant_factory(patron_api: Api) -> Callable[..., Tenant]:
    """`make(plugins={"name": {config}} or ["name", …], **signup) -> Tenant`: a new tenant
    (random slug) with those plugins enabled by its owner through `PUT /plugins/{name}`.

    Missing config keys take their defaults; `signup` adds fields of the signup body
    (`plan`, `timezone`, …). `tenant.client` acts as the owner."""

    def make(plugins: PluginConfigs = (), **signup: Any) -> Tenant:
        tenant = patron_api.new_tenant(**signup)
        configs = plugins.items() if isinstance(plugins, Mapping) else ((p, None) for p in plugins)
        for name, config in configs:
            tenant.enable_plugin(name, config)
        return tenant

    return make


@pytest.fixture
def patron_client(patron_api: Api) -> Callable[..., httpx.Client]:
    """`client(tenant, role="agent") -> httpx.Client` for `/api/v1`, holding the key of a
    new staff member with `role` (viewer, agent, supervisor, admin; owner: the owner's)."""

    def client(tenant: Tenant, role: str = "agent") -> httpx.Client:
        if role == "owner":
            return patron_api.client(tenant.owner_key)
        return tenant.as_role(role)

    return client


@pytest.fixture(scope="session")
def _patron_reported_failures() -> set[str]:
    """Ids of failing events already reported, so each fails one test only."""
    return set()


@pytest.fixture
def patron_run_events(
    patron_server: RunningServer, patron_api: Api, _patron_reported_failures: set[str]
) -> Callable[..., dict[str, Any]]:
    """`run(check=True) -> {"relayed": n, "failing": [...]}`: deliver every pending event
    to the plugins' hooks now (`patron events drain` against the server's database) and
    return once none is left.

    Hooks run after the change that caused them committed, from the outbox; call this
    between the request and the assertions on their effects. With `check`, an event of a
    tenant this test made whose delivery failed since the last call fails the test with
    the plugin's error (other tests' failures are theirs, whatever order tests run in)."""

    def run(check: bool = True, timeout: float = DRAIN_TIMEOUT) -> dict[str, Any]:
        drained = patron_server.cli(
            "events", "drain", "--json", "--timeout", str(timeout), timeout=timeout + 60
        )
        if drained.returncode != 0:
            raise AssertionError(f"`patron events drain` failed:\n{drained.stderr}")
        result: dict[str, Any] = json.loads(drained.stdout)
        mine = {tenant.id for tenant in patron_api.tenants}
        new = [
            e
            for e in result["failing"]
            if e["tenant_id"] in mine and e["id"] not in _patron_reported_failures
        ]
        _patron_reported_failures.update(e["id"] for e in new)
        if check and new:
            raise AssertionError(
                "plugin hooks failed handling events:\n"
                + "\n".join(
                    f"  {e['type']} ({e['status']}, attempt {e['attempts']}): "
                    + "; ".join(f"{plugin}: {error}" for plugin, error in e["errors"].items())
                    for e in new
                )
            )
        return result

    return run


@pytest.fixture
def patron_run_schedule(patron_server: RunningServer) -> Callable[..., dict[str, Any]]:
    """`run(tenant, plugin, schedule, at=None, check=True) -> run`: run the plugin's schedule
    (by its slug name) for `tenant` now, or as of `at` (an aware datetime, or a string: RFC
    3339, or without offset in the tenant's time zone), exactly as the scheduler would at
    that slot (`patron schedules run` against the server's database). Returns the run
    (`{"id", "status": "done"|"failed", "error", ...}`); with `check`, a failed run fails
    the test with the job's error. Events the job emitted are delivered by
    `patron_run_events()`."""

    def run(
        tenant: Tenant,
        plugin: str,
        schedule: str,
        at: datetime.datetime | str | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        args = ["schedules", "run", plugin, schedule, "--tenant", tenant.slug, "--json"]
        if at is not None:
            args += ["--at", at.isoformat() if isinstance(at, datetime.datetime) else at]
        done = patron_server.cli(*args)
        if not done.stdout.strip():
            raise AssertionError(f"`patron {' '.join(args)}` failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout)
        if check and result["status"] != "done":
            raise AssertionError(f"schedule {plugin}/{schedule} failed: {result['error']}")
        return result

    return run
