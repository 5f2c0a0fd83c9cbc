"""`patron plugins new NAME` makes a package that installs and passes its test as made.

For real: the package is installed with Patron into a throwaway virtual environment, and
its own test runs there with that environment's pytest, against a real server, on each
selected database backend.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from core.testing.postgres import PostgresCluster
from core.testing.server import REPO_ROOT, cli_command

NAME = "shelf_life"
INSTALL_TIMEOUT = 600


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def _clean_env(venv: Path) -> dict[str, str]:
    """Our environment with the throwaway venv active instead of the project's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PATRON_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return env


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("scaffold")
    _run(cli_command("plugins", "new", NAME, "--directory", str(directory)), cwd=directory)
    return directory / "patron-shelf-life"


def documented_install(package: Path) -> list[str]:
    """The arguments of the one `pip install …` command the package's README documents."""
    readme = (package / "README.md").read_text()
    [line] = [line for line in readme.splitlines() if line.startswith("pip install ")]
    return shlex.split(line)[2:]


def test_the_readme_installs_patron_from_its_checkout_with_the_package(package: Path):
    assert documented_install(package) == ["-e", str(REPO_ROOT), "-e", ".[test]"]


@pytest.fixture(scope="module")
def venv(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment where the README's one install command (run in the
    package's folder) installed Patron and the package."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    uv = os.environ.get("UV") or shutil.which("uv")
    requirements = documented_install(package)
    if uv:
        _run([uv, "venv", "-q", "--python", sys.executable, str(venv)], cwd=package)
        install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    else:
        _run([sys.executable, "-m", "venv", str(venv)], cwd=package)
        install = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*install, *requirements], cwd=package, env=_clean_env(venv), timeout=INSTALL_TIMEOUT)
    return venv


def test_the_package_has_every_part_a_plugin_needs(package: Path):
    files = {
        str(path.relative_to(package))
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    migrations = sorted(f for f in files if "/piccolo_migrations/shelf_life_" in f)
    assert len(migrations) == 2  # the tables, then the hand-written isolation step
    assert {
        "pyproject.toml",
        "README.md",
        "patron_shelf_life/__init__.py",
        "patron_shelf_life/plugin.py",
        "patron_shelf_life/config.py",
        "patron_shelf_life/tables.py",
        "patron_shelf_life/repository.py",
        "patron_shelf_life/routes.py",
        "patron_shelf_life/hooks.py",
        "patron_shelf_life/piccolo_app.py",
        "patron_shelf_life/piccolo_migrations/__init__.py",
        "tests/conftest.py",
        "tests/test_shelf_life.py",
    } | set(migrations) == files
    pyproject = (package / "pyproject.toml").read_text()
    assert '[project.entry-points."patron.plugins"]' in pyproject
    assert 'shelf_life = "patron_shelf_life.plugin:SHELF_LIFE"' in pyproject
    assert 'dependencies = ["patron"]' in pyproject
    assert "enable_tenant_rls" in (package / migrations[1]).read_text()
    for source in (package / "patron_shelf_life").glob("*.py"):
        imported = [
            line.split()[1]
            for line in source.read_text().splitlines()
            if line.startswith(("from core", "import core"))
        ]
        assert set(imported) <= {"core"}, f"{source.name} imports {imported}: only core.sdk"


def test_the_package_is_ruff_clean(package: Path):
    _run([sys.executable, "-m", "ruff", "check", "."], cwd=package)
    _run([sys.executable, "-m", "ruff", "format", "--check", "."], cwd=package)


def test_its_migration_matches_its_tables(venv: Path, package: Path, tmp_path: Path):
    """Piccolo's auto-migration finds nothing to add: the written migration is complete."""
    env = _clean_env(venv)
    env.update(
        PICCOLO_CONF="core.piccolo_conf",
        PATRON_DATABASE_URL=f"sqlite:///{tmp_path / 'patron.sqlite'}",
        PATRON_PLUGINS=NAME,
    )
    migrations = package / "patron_shelf_life" / "piccolo_migrations"
    before = set(migrations.glob("*.py"))
    result = _run(
        [str(venv / "bin" / "piccolo"), "migrations", "new", NAME, "--auto"], tmp_path, env
    )
    assert "No changes detected" in result.stdout
    assert set(migrations.glob("*.py")) == before


def test_it_installs_and_passes_its_test(
    backend: str, venv: Path, package: Path, request: pytest.FixtureRequest
):
    env = _clean_env(venv)
    database = None
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = env["PATRON_TEST_DATABASE_URL"] = cluster.create_database()
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    if database is not None:  # its isolation step ran: the table has forced RLS
        assert asyncio.run(_row_security(database, "shelf_life_items")) == (True, True)


async def _row_security(dsn: str, table: str) -> tuple[bool, bool]:
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1", table
        )
    finally:
        await connection.close()
    assert row is not None, f"no table {table}"
    return bool(row[0]), bool(row[1])


def test_new_refuses_a_bad_name_and_an_existing_folder(package: Path):
    for bad in ("Gym", "has-dash"):
        refused = subprocess.run(
            cli_command("plugins", "new", bad, "--directory", str(package.parent)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 1 and "not a plugin name" in refused.stderr
    again = subprocess.run(
        cli_command("plugins", "new", NAME, "--directory", str(package.parent)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
