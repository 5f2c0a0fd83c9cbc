"""The points plugin's hook implementations (events are subscriptions: `reactions`)."""

from __future__ import annotations

import uuid
from typing import Any

from core import sdk
from plugins.points import service
from plugins.points.config import Ctx


@sdk.hookimpl
async def patron_customer_section(ctx: Ctx, customer: dict[str, Any]) -> dict[str, Any] | None:
    """`{"balance": int}` (api.md §6)."""
    return {"balance": await service.balance_of(ctx, uuid.UUID(str(customer["id"])))}
