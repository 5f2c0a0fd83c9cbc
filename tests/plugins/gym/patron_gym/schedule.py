"""The gym's scheduled job."""

from __future__ import annotations

from core import sdk

from patron_gym import terms
from patron_gym.config import GymConfig
from patron_gym.repository import MembershipRepository


async def expire(ctx: sdk.PluginContext[GymConfig]) -> None:
    """Record on each customer's timeline the memberships that ended (once each: a job runs
    at least once, so the mark and the entry commit together)."""
    memberships = MembershipRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        for row in await memberships.ended_unrecorded(terms.local_today(ctx.timezone)):
            await memberships.update(row["id"], {"expired_at": sdk.utcnow()})
            await sdk.record_timeline(
                ctx,
                row["customer_id"],
                "membership.expired",
                f"{row['plan']} membership ended on {row['ends_on']}",
                data={"membership_id": str(row["id"]), "plan": row["plan"]},
            )
