"""A plugin's subscription to an event: its handler and the type the event decodes into.

The handler is `async def handler(ctx: sdk.PluginContext[Config], event: T)`. `T` is read
from the annotation of its second parameter when the plugin is loaded:

- a msgspec Struct (a core event such as `sdk.PaymentRecorded`, or one the subscriber
  writes itself for another plugin's event, with just the fields it needs): the payload
  is converted into it (unknown fields ignored, ids and times parsed);
- `dict` or no annotation: the payload as a plain dict — except for a core event, which
  is always its catalogue Struct when not annotated.

Plugins never import each other, so a subscriber cannot use the publisher's class: its own
Struct is the contract it relies on, checked on every delivery.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from core.catalogue import CORE_EVENTS
from core.plugins.descriptor import PluginError

CORE_BY_NAME = {event.type: event for event in CORE_EVENTS}


@dataclass(frozen=True)
class Subscription:
    plugin: str
    event: str
    handler: Callable[[Any, Any], Awaitable[None]]
    decode_as: type | None  # None: a plain dict

    async def handle(self, ctx: Any, payload: dict[str, Any]) -> None:
        event = payload if self.decode_as is None else msgspec.convert(payload, self.decode_as)
        await self.handler(ctx, event)


def subscription_of(plugin: str, event: str, handler: Any) -> Subscription:
    """Check the handler (async, two parameters) and find what it decodes the event into."""
    if not inspect.iscoroutinefunction(handler):
        raise PluginError(f"{plugin}: the handler of {event!r} must be an async function")
    parameters = list(inspect.signature(handler).parameters.values())
    if len(parameters) != 2:
        raise PluginError(f"{plugin}: the handler of {event!r} must take (ctx, event)")
    annotation = parameters[1].annotation
    if isinstance(annotation, str):  # `from __future__ import annotations`
        try:
            annotation = eval(annotation, handler.__globals__)  # noqa: S307 - the plugin's own code
        except Exception as exc:  # noqa: BLE001 - a plugin that cannot load is skipped
            raise PluginError(
                f"{plugin}: the handler of {event!r}: its event annotation "
                f"{annotation!r} cannot be resolved ({exc})"
            ) from None
    if annotation is inspect.Parameter.empty:
        decode_as = CORE_BY_NAME.get(event)
    elif annotation is dict or getattr(annotation, "__origin__", None) is dict:
        decode_as = None
    elif isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        decode_as = annotation
    else:
        raise PluginError(
            f"{plugin}: the handler of {event!r} annotates its event as {annotation!r}; "
            "use a msgspec Struct, dict, or nothing"
        )
    core = CORE_BY_NAME.get(event)
    if core is not None and decode_as is not None and decode_as is not core:
        raise PluginError(
            f"{plugin}: the handler of {event!r} must take sdk.{core.__name__}, "
            f"not {decode_as.__name__}"
        )
    return Subscription(plugin, event, handler, decode_as)
