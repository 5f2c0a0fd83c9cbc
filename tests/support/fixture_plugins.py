"""The test-only plugins (today `patron-gym`, tests/plugins/gym): loaded by the test suite
alone, never by a server started the README's way.

They are not dependencies of the project (not even of its dev group, which `uv sync`
installs for every developer, so `patron serve` would list them). Instead the suite, when
it starts (`tests/conftest.py`), writes each one's `*.dist-info` (its `patron.plugins`
entry point) into a throwaway directory and puts that directory and the plugin's source on
`sys.path` and on `PYTHONPATH`: `importlib.metadata` finds them as installed there, in the
test process and in every server or command it spawns with the inherited environment
(`core.testing.server.server_env` keeps it). A process started with a `PYTHONPATH` of its
own (the README's `patron serve`, as `tests/cli/test_commands.py` runs it) sees only the
built-in plugins; a subprocess that wants them too uses `pythonpath(...)`.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from pathlib import Path

from tests.support.plugin_dist import install_plugin_dist

REPO_ROOT = Path(__file__).resolve().parents[2]
# The distribution source of each test-only plugin (its pyproject names its entry points).
SOURCES = [REPO_ROOT / "tests" / "plugins" / "gym"]
# The PYTHONPATH entries that make them loadable, once `install` ran.
PATHS: list[str] = []


def install(directory: Path) -> list[str]:
    """Make the test-only plugins importable and discoverable by this process and the
    processes it starts; returns the path entries added."""
    entries = [str(directory)]
    for source in SOURCES:
        project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
        plugins = project["entry-points"]["patron.plugins"]
        install_plugin_dist(directory, project["name"], plugins, project["version"])
        entries.append(str(source))
    sys.path[:0] = entries
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([*entries, *([inherited] if inherited else [])])
    importlib.invalidate_caches()
    PATHS[:] = entries
    return entries


def pythonpath(*more: Path | str) -> str:
    """A PYTHONPATH with the test-only plugins and `more` (e.g. the repository)."""
    return os.pathsep.join([*PATHS, *(str(entry) for entry in more)])
