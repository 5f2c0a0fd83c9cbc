"""Members: the level in force and its benefits, the supervisor's pin, statistics."""

from __future__ import annotations

import uuid
from typing import Any

from core import sdk
from plugins.membership.config import MembershipConfig
from plugins.membership.context import Ctx
from plugins.membership.evaluation import Change, compute, record_changes, reevaluate
from plugins.membership.ladder import Outcome
from plugins.membership.repository import LevelChangeRepository, MemberRepository
from plugins.membership.schemas import LevelChange, LevelCount, Member, Pin, Stats, Totals


def member_view(config: MembershipConfig, currency: str, row: dict[str, Any]) -> Member:
    # By hand: benefits and currency come from the config, the pin and window from columns.
    level = config.level(row["level"])
    pinned = None
    if row["pinned_level"] is not None:
        pinned = Pin(
            level=row["pinned_level"],
            reason=row["pin_reason"],
            by=row["pinned_by"],
            at=row["pinned_at"],
        )
    return Member(
        customer_id=row["customer_id"],
        level=row["level"],
        benefits=dict(level.benefits) if level is not None else {},
        computed_level=row["computed_level"],
        qualified_level=row["qualified_level"],
        below_since=row["below_since"],
        pinned=pinned,
        window=Totals(spend=row["spend"], purchases=row["purchases"], referrals=row["referrals"]),
        currency=config.currency_of(currency),
        evaluated_at=row["evaluated_at"],
    )


async def member_of(ctx: Ctx, customer_id: uuid.UUID) -> Member:
    """The member as stored. One not evaluated yet (its event is on the way) is computed
    from the facts without writing anything (this is on the hot read path of
    `GET /customers/{id}`): the events, the enabling re-evaluation and the daily schedule
    store levels. For a customer known to exist."""
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await MemberRepository(ctx.tenant_id).of(customer_id)
        if row is None or row["evaluated_at"] is None:
            outcome = await compute(ctx, customer_id, sdk.utcnow())
            return unevaluated_view(ctx, customer_id, row, outcome)
    return member_view(ctx.config, ctx.currency, row)


def unevaluated_view(
    ctx: Ctx, customer_id: uuid.UUID, row: dict[str, Any] | None, outcome: Outcome
) -> Member:
    """A member not evaluated yet: the level the rule gives them now (a first level, so no
    grace), or the pin if one is stored; `evaluated_at` null says it is not stored."""
    pinned = row is not None and ctx.config.level(row["pinned_level"]) is not None
    return member_view(
        ctx.config,
        ctx.currency,
        {
            "customer_id": customer_id,
            "level": row["pinned_level"] if pinned and row is not None else outcome.level,
            "computed_level": outcome.level,
            "qualified_level": outcome.qualified,
            "below_since": outcome.below_since,
            "pinned_level": row["pinned_level"] if row is not None else None,
            "pin_reason": row["pin_reason"] if row is not None else None,
            "pinned_by": row["pinned_by"] if row is not None else None,
            "pinned_at": row["pinned_at"] if row is not None else None,
            "spend": outcome.totals.spend,
            "purchases": outcome.totals.purchases,
            "referrals": outcome.totals.referrals,
            "evaluated_at": None,
        },
    )


async def get_member(ctx: Ctx, customer_id: uuid.UUID) -> Member:
    """The member of a customer of the caller's tenant (404 for any other id)."""
    await sdk.require_customer(ctx, customer_id)
    return await member_of(ctx, customer_id)


async def level_changes(ctx: Ctx, customer_id: uuid.UUID) -> list[LevelChange]:
    await sdk.require_customer(ctx, customer_id)
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await LevelChangeRepository(ctx.tenant_id).of_customer(customer_id)
    return [LevelChange(**{f: row[f] for f in LevelChange.__struct_fields__}) for row in rows]


async def set_pin(
    ctx: Ctx,
    customer_id: uuid.UUID,
    level: str | None,
    reason: str,
) -> Member:
    """Pin a member's level (or with `level=None` remove the pin); the change of level in
    force is recorded with the reason and who made it."""
    config = ctx.config
    if level is not None and config.level(level) is None:
        names = ", ".join(item.name for item in config.levels)
        raise sdk.InvalidInput([("level", f"not one of this tenant's levels: {names}")])
    members = MemberRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await sdk.require_customer(ctx, customer_id)
        await reevaluate(ctx, [customer_id], "before pin")
        row = await members.of(customer_id)
        assert row is not None
        now = sdk.utcnow()
        in_force = level if level is not None else row["computed_level"]
        await members.update(
            row["id"],
            {
                "pinned_level": level,
                "pin_reason": None if level is None else reason,
                "pinned_by": None if level is None else ctx.user_id,
                "pinned_at": None if level is None else now,
                "level": in_force,
                "updated_at": now,
            },
        )
        if in_force != row["level"]:
            what = f"pinned to {level}" if level is not None else "pin removed"
            await record_changes(
                ctx,
                [
                    Change(
                        customer_id=customer_id,
                        old=row["level"],
                        new=in_force,
                        pinned=level is not None,
                        reason=f"{what}: {reason}",
                    )
                ],
            )
        row = await members.of(customer_id)
    assert row is not None
    return member_view(config, ctx.currency, row)


async def stats(ctx: Ctx) -> Stats:
    """Members per level in force, among live customers."""
    config = ctx.config
    async with sdk.tenant_transaction(ctx.tenant_id):
        live = await sdk.CoreFacts(ctx).customers(fields=("id",))
        counts = await MemberRepository(ctx.tenant_id).per_level({row["id"] for row in live})
    levels = [
        LevelCount(name=item.name, members=counts.get(item.name, 0)) for item in config.levels
    ]
    named = sum(item.members for item in levels)
    return Stats(levels=levels, without_level=len(live) - named, total=len(live))
