"""The event catalogue: every event Patron publishes, each a frozen msgspec Struct.

One list, read by everything that needs event names: the outbox's dispatch to plugin
subscriptions, webhook validation (`POST /webhooks` refuses a name not here), the event
table of docs/plugins.md (a test compares them) and the webhook payload schema.

An event's payload is versioned apart from the API's response shapes: its own Structs,
ids as `uuid.UUID`, times as aware datetimes, money as integer minor units with a
currency, and no decrypted secret (a customer's ID number travels masked). A field is
only ever added to a payload; renaming or removing one is a new event name.

Plugins declare their own events (`<plugin>.<event>`) on their descriptor:

    class TierChanged(sdk.Event):
        type: ClassVar[str] = "education.tier_changed"
        customer_id: uuid.UUID
        ...
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

import msgspec

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """An event: a frozen Struct whose class names it with `type` (a ClassVar).

    `own = True` marks an event delivered only to the plugin it names in its `plugin`
    field (the plugin lifecycle events)."""

    type: ClassVar[str] = ""
    own: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not EVENT_NAME.match(cls.type):
            raise TypeError(
                f'{cls.__name__}: set `type: ClassVar[str] = "<area>.<event>"` (got {cls.type!r})'
            )

    def ordering_key(self) -> uuid.UUID | None:
        """The customer whose events stay in order (the `customer_id` field, if any)."""
        value = getattr(self, "customer_id", None)
        return value if isinstance(value, uuid.UUID) else None


# -- payloads ------------------------------------------------------------------------------
class ProvenancePayload(msgspec.Struct, frozen=True, kw_only=True):
    collected_at: datetime.datetime
    channel: str | None = None
    collected_by: uuid.UUID | None = None


class CustomerPayload(msgspec.Struct, frozen=True, kw_only=True):
    """A customer as events carry it: real contact values, the ID number masked."""

    id: uuid.UUID
    kind: str
    name: str
    phone: str | None = None
    email: str | None = None
    gender: str | None = None
    birthday: datetime.date | None = None
    address: str | None = None
    region: str | None = None
    id_number: str | None = None  # masked ("110101********1234"), never the real number
    education: str | None = None
    source: str | None = None
    owner_id: uuid.UUID | None = None
    referred_by_id: uuid.UUID | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    provenance: ProvenancePayload | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PaymentPayload(msgspec.Struct, frozen=True, kw_only=True):
    """A payment or a refund; `amount` in the currency's minor units (12345 CNY = 123.45)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str  # payment | refund
    amount: int
    currency: str
    occurred_at: datetime.datetime
    reference: str | None = None
    refund_of_id: uuid.UUID | None = None
    recorded_by: uuid.UUID | None = None
    created_at: datetime.datetime


class TaskPayload(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    title: str
    kind: str | None = None
    status: str
    priority: str
    source: str  # "manual" or the plugin that made it
    customer_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    due_at: datetime.datetime | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    completed_at: datetime.datetime | None = None


class InteractionPayload(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    direction: str  # inbound | outbound
    summary: str
    kind: str | None = None
    occurred_at: datetime.datetime
    staff_id: uuid.UUID | None = None
    created_at: datetime.datetime


# -- core events ---------------------------------------------------------------------------
class CustomerCreated(Event, frozen=True):
    """A customer was created (`POST /customers`, imports)."""

    type: ClassVar[str] = "customer.created"
    customer: CustomerPayload

    def ordering_key(self) -> uuid.UUID:
        return self.customer.id


class CustomerUpdated(Event, frozen=True):
    """A customer was changed; `changed` names the fields that changed (`"tags"` too)."""

    type: ClassVar[str] = "customer.updated"
    customer: CustomerPayload
    changed: list[str]

    def ordering_key(self) -> uuid.UUID:
        return self.customer.id


class CustomerDeleted(Event, frozen=True):
    """A customer was (soft-)deleted: an admin can restore them, so keep their data."""

    type: ClassVar[str] = "customer.deleted"
    customer_id: uuid.UUID


class PaymentRecorded(Event, frozen=True):
    """A payment or a refund (`payment.kind == "refund"`, with `refund_of_id`) was recorded."""

    type: ClassVar[str] = "payment.recorded"
    payment: PaymentPayload

    def ordering_key(self) -> uuid.UUID:
        return self.payment.customer_id


class TaskCreated(Event, frozen=True):
    """A task was created (by staff, or by a plugin: `task.source`)."""

    type: ClassVar[str] = "task.created"
    task: TaskPayload

    def ordering_key(self) -> uuid.UUID | None:
        return self.task.customer_id


class TaskCompleted(Event, frozen=True):
    """A task moved to status `done`."""

    type: ClassVar[str] = "task.completed"
    task: TaskPayload

    def ordering_key(self) -> uuid.UUID | None:
        return self.task.customer_id


class InteractionLogged(Event, frozen=True):
    """An interaction (call, message, visit, note…) was logged against a customer."""

    type: ClassVar[str] = "interaction.logged"
    interaction: InteractionPayload

    def ordering_key(self) -> uuid.UUID:
        return self.interaction.customer_id


class PluginEnabled(Event, frozen=True):
    """A tenant enabled a plugin; delivered to that plugin only. Data from an earlier
    enabling is still there."""

    type: ClassVar[str] = "plugin.enabled"
    own: ClassVar[bool] = True
    plugin: str


class PluginDisabled(Event, frozen=True):
    """A tenant disabled a plugin; delivered to that plugin only. Keep the data."""

    type: ClassVar[str] = "plugin.disabled"
    own: ClassVar[bool] = True
    plugin: str


class PluginReconfigured(Event, frozen=True):
    """An enabled plugin's config changed; delivered to that plugin only. `old` is the
    previous config as a dict; the new one is `ctx.config`."""

    type: ClassVar[str] = "plugin.reconfigured"
    own: ClassVar[bool] = True
    plugin: str
    old: dict[str, Any] | None = None


CORE_EVENTS: tuple[type[Event], ...] = (
    CustomerCreated,
    CustomerUpdated,
    CustomerDeleted,
    PaymentRecorded,
    TaskCreated,
    TaskCompleted,
    InteractionLogged,
    PluginEnabled,
    PluginDisabled,
    PluginReconfigured,
)


class Catalogue:
    """The core's events and those the loaded plugins declare, by name."""

    def __init__(self, plugin_events: Iterable[tuple[str, type[Event]]] = ()) -> None:
        self.events: dict[str, type[Event]] = {event.type: event for event in CORE_EVENTS}
        self.publisher: dict[str, str | None] = dict.fromkeys(self.events)
        for plugin, event in plugin_events:
            self.events[event.type] = event
            self.publisher[event.type] = plugin

    def names(self) -> frozenset[str]:
        return frozenset(self.events)

    def markdown_table(self) -> str:
        """The event table of docs/plugins.md (`tests/devkit` checks the docs hold it)."""
        lines = ["| event | Struct | payload | when |", "| --- | --- | --- | --- |"]
        for event in CORE_EVENTS:
            hints = event.__annotations__
            fields = ", ".join(f"`{name}: {hints[name]}`" for name in event.__struct_fields__)
            when = " ".join((event.__doc__ or "").split())
            lines.append(f"| `{event.type}` | `sdk.{event.__name__}` | {fields} | {when} |")
        return "\n".join(lines)

    def webhook_schema(self) -> dict[str, Any]:
        """JSON Schema of a webhook body `{"type", "timestamp", "data"}`, one branch per
        event (plugin events included)."""
        names = sorted(self.events)
        _, components = msgspec.json.schema_components([self.events[n] for n in names])
        return {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["type", "timestamp", "data"],
                    "properties": {
                        "type": {"const": name},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "data": {"$ref": f"#/$defs/{self.events[name].__name__}"},
                    },
                }
                for name in names
            ],
            "$defs": components,
        }


def encode(event: Event) -> str:
    """The payload stored in the outbox and sent as a webhook's `data`."""
    return msgspec.json.encode(event).decode()
