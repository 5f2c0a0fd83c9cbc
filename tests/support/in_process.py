"""Helpers for scenario modules, which drive the app in their own process (run by
`tests.support.scenario.run_scenario`) rather than over HTTP."""

from __future__ import annotations

from core.events import PARTITIONS, OutboxDispatcher
from core.plugins.host import PluginHost


async def drain(host: PluginHost) -> None:
    """Deliver every pending outbox event to `host`'s plugins now, until none is left."""
    dispatcher = OutboxDispatcher(host)
    while sum([await dispatcher.drain(p) for p in range(PARTITIONS)]):
        pass
