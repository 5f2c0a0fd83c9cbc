"""The code base stays ruff-clean (lint and format), so CI catches drift."""

from __future__ import annotations

import subprocess
import sys

from tests.architecture.test_boundaries import ROOT

CHECKED = ["core", "tenants", "plugins", "cli", "migrations", "tests"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_lint_is_clean():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout
