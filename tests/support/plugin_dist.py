"""Install a plugin into a directory without pip: a `*.dist-info` folder is all
`importlib.metadata` needs to find the plugin's entry point once the directory is on
`PYTHONPATH` (the module it names must be importable too). `install_plugin_module` writes
a one-module plugin from its source and installs it so."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def install_plugin_dist(
    directory: Path, dist: str, plugins: Mapping[str, str], version: str = "0.1.0"
) -> Path:
    """Write `<dist>-<version>.dist-info` declaring `plugins` (name → "module:DESCRIPTOR")
    in the `patron.plugins` entry-point group; return `directory`."""
    info = directory / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    entry_points = "".join(f"{name} = {target}\n" for name, target in plugins.items())
    (info / "entry_points.txt").write_text(f"[patron.plugins]\n{entry_points}")
    return directory


def install_plugin_module(directory: Path, name: str, source: str) -> Path:
    """Install plugin `name` written as one module: `source` becomes `patron_<name>.py`
    (its descriptor named `PLUGIN`), distribution `patron-<name>`; return `directory`."""
    (directory / f"patron_{name}.py").write_text(source)
    return install_plugin_dist(directory, f"patron-{name}", {name: f"patron_{name}:PLUGIN"})
