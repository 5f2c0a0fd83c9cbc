"""The points plugin's hook implementations: one-line adapters from the core's hooks to
`plugins.points.reactions` (events) and `plugins.points.service` (the customer section)."""

from __future__ import annotations

import uuid
from typing import Any

from core import sdk
from plugins.points import reactions, service
from plugins.points.config import config_of


@sdk.hookimpl
async def patron_payment_recorded(ctx: sdk.TenantContext, payment: dict[str, Any]) -> None:
    await reactions.on_payment_recorded(ctx, config_of(ctx), payment)


@sdk.hookimpl
async def patron_task_completed(ctx: sdk.TenantContext, task: dict[str, Any]) -> None:
    await reactions.on_task_completed(ctx, config_of(ctx), task)


@sdk.hookimpl
async def patron_interaction_logged(ctx: sdk.TenantContext, interaction: dict[str, Any]) -> None:
    await reactions.on_interaction_logged(ctx, config_of(ctx), interaction)


@sdk.hookimpl
async def patron_customer_section(
    ctx: sdk.TenantContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """`{"balance": int}` (api.md §6)."""
    return {"balance": await service.balance_of(ctx, uuid.UUID(str(customer["id"])))}


async def expire_due(ctx: sdk.TenantContext) -> None:
    """The daily expiry schedule."""
    await reactions.expire_due(ctx, config_of(ctx))
