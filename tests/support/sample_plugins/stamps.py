"""A stamp card: a config with nested, constrained fields, subscriptions with effects, and a
schedule whose time of day is a config field."""

from __future__ import annotations

import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
from msgspec import Meta

from core import sdk


class Reward(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1)]
    stamps: Annotated[int, Meta(ge=1)]


class StampsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    per_visit: Annotated[int, Meta(ge=1, le=10)] = 1
    rewards: list[Reward] = msgspec.field(default_factory=list)
    reminder_time: str = "09:00"


async def print_cards(ctx: sdk.PluginContext[StampsConfig], event: sdk.PluginEnabled) -> None:
    await sdk.create_task(ctx, title="Print stamp cards", kind="setup")


# Not idempotent, which a real plugin must be (a redelivery would give a second card):
# this one never fails, and tests count its tasks.
async def give_card(ctx: sdk.PluginContext[StampsConfig], event: sdk.CustomerCreated) -> None:
    await sdk.create_task(
        ctx,
        title=f"Give {event.customer.name} a card with {ctx.config.per_visit} stamps",
        customer_id=event.customer.id,
    )


async def remind(ctx: sdk.PluginContext[StampsConfig], now: datetime.datetime) -> None:
    """Daily at the configured time: a task naming the tenant's day of the slot."""
    day = now.astimezone(ZoneInfo(ctx.timezone)).date()
    await sdk.create_task(ctx, title=f"Stamp reminders for {day}", kind="reminder")


STAMPS = sdk.PluginDescriptor(
    name="stamps",
    title="Stamp card",
    version="0.1.0",
    description="Stamps per visit, rewards for full cards.",
    config=StampsConfig,
    core_api=">=2.0,<3",
    subscriptions={"plugin.enabled": print_cards, "customer.created": give_card},
    schedules=[sdk.Schedule("reminders", "daily {reminder_time}", remind)],
)
