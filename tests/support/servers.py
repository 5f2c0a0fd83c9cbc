"""Servers of a test's own, beside the session's shared one (`server` in conftest).

A test needs one when it changes the server's environment (its plugins, retry delays, a
Redis) or works across tenants (maintenance, webhooks), so it must not share a database.
`own_server` starts one on a fresh database; `own_server_fixture` makes a module-scoped
fixture of it, one server per selected backend; `api_for` gives an `Api` for any server
and closes its clients afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from core.testing.http import Api
from core.testing.postgres import PostgresCluster
from core.testing.server import RunningServer, start_server


@contextlib.contextmanager
def own_server(
    backend: str = "sqlite",
    request: pytest.FixtureRequest | None = None,
    *,
    plugins: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> Iterator[RunningServer]:
    """A running server on a database of its own, stopped afterwards.

    On "sqlite" the database is a file in its `workdir`; on "postgresql" a new database of
    the session's cluster (`request` reaches the `postgres` fixture). `plugins` is a
    directory of extra installed plugins (`tests.support.plugin_dist`) put on its
    PYTHONPATH; `extra_env` adds to its environment.
    """
    database_url = None
    if backend == "postgresql":
        assert request is not None, "a PostgreSQL server needs the test's request"
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.create_database()
    env = {**({"PYTHONPATH": str(plugins)} if plugins else {}), **(extra_env or {})}
    running = start_server(database_url, extra_env=env, workdir=workdir)
    try:
        yield running
    finally:
        running.stop()


def own_server_fixture(
    doc: str, extra_env: Mapping[str, str] | None = None
) -> Callable[..., Iterator[RunningServer]]:
    """A module-scoped fixture yielding an `own_server` with `extra_env` for each backend
    (it takes the session's `backend`, so its tests are grouped with that backend's);
    assign it to the fixture's name (`hook_server = own_server_fixture(...)`)."""

    def fixture(backend: str, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
        with own_server(backend, request, extra_env=extra_env) as running:
            yield running

    fixture.__doc__ = doc
    return pytest.fixture(scope="module")(fixture)


@contextlib.contextmanager
def api_for(server: RunningServer) -> Iterator[Api]:
    """An `Api` (client factory) for `server`; its clients are closed afterwards."""
    helper = Api(server)
    try:
        yield helper
    finally:
        helper.close()
