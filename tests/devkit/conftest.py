"""The `patron_*` fixtures (Patron's pytest plugin) run here as a plugin author runs them,
on a server loading the sample plugins `stamps` and `faulty`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.sample_plugins import install_sample_plugins


@pytest.fixture(scope="session")
def sample_plugins_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_sample_plugins(tmp_path_factory.mktemp("sample-plugins"))


@pytest.fixture(scope="session")
def patron_plugins() -> list[str]:
    return ["stamps", "faulty"]


@pytest.fixture(scope="session")
def patron_server_env(sample_plugins_path: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(sample_plugins_path)}
