"""Small plugins for testing the plugin tooling (CLI, pytest fixtures, burst worker).

They are not installed: `install_sample_plugins(directory)` writes a dist-info folder
declaring them, and a process with that directory (and the repository) on PYTHONPATH
finds them the way it finds installed plugins.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.plugin_dist import install_plugin_dist

SAMPLE_PLUGINS = {
    "stamps": "tests.support.sample_plugins.stamps:STAMPS",
    "faulty": "tests.support.sample_plugins.faulty:FAULTY",
}


def install_sample_plugins(directory: Path) -> Path:
    """Make the sample plugins discoverable from `directory`; return it."""
    return install_plugin_dist(directory, "patron-sample-plugins", SAMPLE_PLUGINS)
