"""The code base type-checks: mypy, configured in pyproject.toml (`[tool.mypy]`), reports
no error in core, tenants, plugins and cli, so CI (which runs pytest) catches type drift.
Its incremental cache (.mypy_cache, git-ignored) makes a second run take seconds."""

from __future__ import annotations

import subprocess
import sys

from tests.architecture.test_boundaries import ROOT

CHECKED = ["core", "tenants", "plugins", "cli"]


def test_mypy_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
