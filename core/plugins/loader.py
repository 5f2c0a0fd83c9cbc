"""Discovery: plugins are Python packages exposing a `PluginDescriptor` through the
`patron.plugins` entry-point group (the built-in ones too). A plugin that fails to import
or is incompatible is skipped with a loud log line; it never takes the server down.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from core.plugins.descriptor import PluginDescriptor, PluginError

ENTRY_POINT_GROUP = "patron.plugins"

log = logging.getLogger("patron.plugins")


def _load(entry_point: EntryPoint) -> PluginDescriptor | None:
    try:
        descriptor = entry_point.load()
    except Exception:  # noqa: BLE001 - any import failure skips the plugin, loudly
        log.exception("plugin %r failed to import and is skipped", entry_point.name)
        return None
    if not isinstance(descriptor, PluginDescriptor):
        log.error(
            "plugin %r: %s is not a PluginDescriptor; skipped", entry_point.name, entry_point.value
        )
        return None
    try:
        descriptor.check()
    except PluginError as exc:
        log.error("plugin %r is incompatible and is skipped: %s", entry_point.name, exc)
        return None
    if descriptor.name != entry_point.name:
        log.error(
            "plugin entry point %r names a plugin called %r; skipped",
            entry_point.name,
            descriptor.name,
        )
        return None
    return descriptor


def parse_allowlist(value: str | None) -> tuple[str, ...] | None:
    """PATRON_PLUGINS: a comma-separated list, or unset/empty for every installed plugin."""
    if not value or not value.strip():
        return None
    return tuple(name.strip() for name in value.split(",") if name.strip())


def discover(allowlist: Iterable[str] | None = None) -> list[PluginDescriptor]:
    """The installed plugins, restricted to `allowlist` (PATRON_PLUGINS) when given."""
    allowed = None if allowlist is None else set(allowlist)
    found: dict[str, PluginDescriptor] = {}
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if allowed is not None and entry_point.name not in allowed:
            continue
        if entry_point.name in found:
            log.error(
                "two installed plugins are called %r; the second is skipped", entry_point.name
            )
            continue
        descriptor = _load(entry_point)
        if descriptor is not None:
            found[descriptor.name] = descriptor
    if allowed:
        for missing in sorted(allowed - set(found)):
            log.error("PATRON_PLUGINS names %r, which is not installed or failed to load", missing)
    return list(found.values())
