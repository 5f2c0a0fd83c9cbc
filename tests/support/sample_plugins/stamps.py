"""A stamp card: a config with nested, constrained fields, event hooks with effects, and a
schedule whose time of day is a config field."""

from __future__ import annotations

import datetime
from typing import Annotated, Any
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


class StampHooks:
    @sdk.hookimpl
    async def patron_plugin_enabled(self, ctx: sdk.TenantContext, plugin: str) -> None:
        await sdk.create_task(ctx, STAMPS, title="Print stamp cards", kind="setup")

    # Not idempotent, which a real plugin must be (a redelivery would give a second card):
    # this one never fails, and tests count its tasks.
    @sdk.hookimpl
    async def patron_customer_created(
        self, ctx: sdk.TenantContext, customer: dict[str, Any]
    ) -> None:
        per_visit = STAMPS.config_of(ctx).per_visit
        await sdk.create_task(
            ctx,
            STAMPS,
            title=f"Give {customer['name']} a card with {per_visit} stamps",
            customer_id=customer["id"],
        )


async def remind(ctx: sdk.TenantContext, now: datetime.datetime) -> None:
    """Daily at the configured time: a task naming the tenant's day of the slot."""
    day = now.astimezone(ZoneInfo(ctx.timezone)).date()
    await sdk.create_task(ctx, STAMPS, title=f"Stamp reminders for {day}", kind="reminder")


STAMPS = sdk.PluginDescriptor(
    name="stamps",
    title="Stamp card",
    version="0.1.0",
    description="Stamps per visit, rewards for full cards.",
    config=StampsConfig,
    hooks=StampHooks(),
    schedules=[sdk.Schedule("reminders", "daily {reminder_time}", remind)],
)
