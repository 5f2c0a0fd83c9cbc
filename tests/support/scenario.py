"""Running a scenario module in a process of its own, against a database of its own.

Some tests drive the app in-process (injected clocks, direct job calls) from a module such
as `tests/care/scenario.py`, which prints its findings as one JSON line last. They run it
with `run_scenario`, in a fresh interpreter, so no state leaks between it and the suite.
`scenario_database` gives each run a fresh database: a SQLite file, or on PostgreSQL a new
database of the session cluster reached as the app role (row-level security applies).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from core.testing.postgres import PostgresCluster
from core.testing.server import REPO_ROOT
from tests.support.fixture_plugins import pythonpath


def scenario_database(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str = "scenario",
) -> str:
    """A fresh, empty database URL for `backend` ("sqlite" or "postgresql")."""
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        return cluster.create_database()
    return f"sqlite:///{tmp_path_factory.mktemp(name) / 'db.sqlite'}"


def run_scenario(
    module: str,
    database_url: str,
    *,
    plugins: str,
    fixture_plugins: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> dict[str, Any]:
    """Run `python -m module` with only the plugins named (a comma list) against
    `database_url` and return the JSON object on its last line of output.

    `fixture_plugins` makes the test-only plugins (gym) loadable in it; `env` adds to its
    environment (e.g. `REDIS_URL`). A failing run fails the test with its stderr's tail.
    """
    result = subprocess.run(
        [sys.executable, "-m", module],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": pythonpath(REPO_ROOT) if fixture_plugins else str(REPO_ROOT),
            "PICCOLO_CONF": "core.piccolo_conf",
            "PATRON_PLUGINS": plugins,
            "PATRON_DATABASE_URL": database_url,
            "PATRON_SECRET_KEY": "x" * 40,
            **(env or {}),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found
