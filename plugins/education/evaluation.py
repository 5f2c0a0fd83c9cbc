"""Re-evaluation: load the facts for many students in a few set-based queries, apply the
pure rule (`tiering`), store what changed in bulk and record each change of tier.

Called for one student on every payment, refund, enrolment or profile change, for all of
a tenant's students on a schedule and when the config changes. Students whose tier in force
changed get their service schedule brought up to date by a background job (`schedule`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from typing import Any

import msgspec

from core import sdk
from plugins.education.config import EducationConfig, Tier
from plugins.education.context import Ctx
from plugins.education.events import TierChanged
from plugins.education.repository import (
    EnrollmentRepository,
    StudentRepository,
    TierChangeRepository,
)
from plugins.education.tables import Student
from plugins.education.tiering import Facts, Levels, evaluate

SYNC_JOB = "sync_services"


class Change(msgspec.Struct, frozen=True, kw_only=True):
    customer_id: uuid.UUID
    old: str | None
    new: str
    computed: str
    overridden: bool
    reason: str


def describe(levels: Levels) -> str:
    return f"position {levels.position}, paid {levels.paid}, duration {levels.duration}"


async def load_facts(
    ctx: Ctx,
    config: EducationConfig,
    students: list[dict[str, Any]],
    everyone: bool,
) -> dict[uuid.UUID, Facts]:
    """Each student's facts: three queries, however many students."""
    ids = [row["customer_id"] for row in students]
    scope = None if everyone else ids
    paid = await sdk.CoreFacts(ctx).net_paid(config.currency_of(ctx.currency), scope)
    periods = await EnrollmentRepository(ctx.tenant_id).periods(scope)
    return {
        row["customer_id"]: Facts(
            position=row["position"],
            paid=paid.get(row["customer_id"], 0),
            periods=tuple(periods.get(row["customer_id"], ())),
        )
        for row in students
    }


ORGANIZATION = "organization"


async def widen(ctx: Ctx, customer_ids: Collection[uuid.UUID] | None) -> None:
    """With `tier_all_people`, every person among the customers named (all the tenant's
    when None) becomes a student; without it, nobody does here (a profile or an enrolment
    makes a student). Organisations never. Joins the caller's transaction."""
    if not ctx.config.tier_all_people or (customer_ids is not None and not customer_ids):
        return
    customers = await sdk.CoreFacts(ctx).customers(customer_ids, fields=("kind",))
    people = [row["id"] for row in customers if row["kind"] != ORGANIZATION]
    await StudentRepository(ctx.tenant_id).add_missing(people, everyone=customer_ids is None)


async def retire(ctx: Ctx, customer_ids: Collection[uuid.UUID]) -> None:
    """The customers named are not students (any more): their profiles go and their
    scheduled service tasks are canceled (by the sync job). Joins the caller's transaction."""
    students = StudentRepository(ctx.tenant_id)
    found = {row["customer_id"] for row in await students.of_many(customer_ids)}
    if not found:
        return
    for batch in sdk.chunked(sorted(found)):
        await students.delete_where().where(Student.customer_id.is_in(batch))
    await sdk.enqueue_jobs(ctx, SYNC_JOB, [({"customer_id": str(i)}, i) for i in sorted(found)])


async def organizations(ctx: Ctx, customer_ids: Collection[uuid.UUID] | None) -> list[uuid.UUID]:
    customers = await sdk.CoreFacts(ctx).customers(customer_ids, fields=("kind",))
    return [row["id"] for row in customers if row["kind"] == ORGANIZATION]


async def reevaluate(
    ctx: Ctx,
    customer_ids: Collection[uuid.UUID] | None,
    reason: str,
) -> list[Change]:
    """Re-evaluate the students among the customers named (every student when None),
    storing new levels and tiers; returns the changes of tier in force. A customer without
    a student profile is skipped (see `widen`). Joins the caller's transaction."""
    config = ctx.config
    students = StudentRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if customer_ids is None:
            # Profiles of organisations (from before only students were tiered) go.
            await retire(ctx, await organizations(ctx, await students.customer_ids()))
        await widen(ctx, customer_ids)
        rows = await students.of_many(customer_ids, lock=customer_ids is not None)
        facts = await load_facts(ctx, config, rows, everyone=customer_ids is None)
        now = sdk.utcnow()
        groups: dict[tuple[Any, ...], list[uuid.UUID]] = defaultdict(list)
        changes: list[Change] = []
        for row in rows:
            computed, levels = evaluate(facts[row["customer_id"]], config)
            in_force = row["override_tier"] or computed
            stored = (
                row["position_level"],
                row["paid_level"],
                row["duration_level"],
                row["computed_tier"],
                row["tier"],
            )
            wanted = (*levels.as_tuple(), str(computed), str(in_force))
            if stored == wanted:
                continue
            groups[wanted].append(row["customer_id"])
            if row["tier"] != in_force:
                changes.append(
                    Change(
                        customer_id=row["customer_id"],
                        old=row["tier"],
                        new=str(in_force),
                        computed=str(computed),
                        overridden=row["override_tier"] is not None,
                        reason=f"{reason} ({describe(levels)})",
                    )
                )
        for (position, paid, duration, computed, in_force), ids in groups.items():
            for batch in sdk.chunked(ids):
                await students.update_where(
                    {
                        Student.position_level: position,
                        Student.paid_level: paid,
                        Student.duration_level: duration,
                        Student.computed_tier: computed,
                        Student.tier: in_force,
                        Student.evaluated_at: now,
                        Student.updated_at: now,
                    }
                ).where(Student.customer_id.is_in(batch))
        await record_changes(ctx, changes)
    return changes


async def record_changes(ctx: Ctx, changes: list[Change]) -> None:
    """Keep each change of tier (the timeline shows them) and queue the students'
    service-schedule updates, in the caller's transaction."""
    if not changes:
        return
    now = sdk.utcnow()
    rows = [
        {
            "customer_id": change.customer_id,
            "old_tier": change.old,
            "new_tier": change.new,
            "computed_tier": change.computed,
            "overridden": change.overridden,
            "reason": change.reason,
            "changed_by": ctx.user_id,
            "changed_at": now,
        }
        for change in changes
    ]
    await TierChangeRepository(ctx.tenant_id).insert_many(rows)
    await sdk.enqueue_jobs(
        ctx,
        SYNC_JOB,
        [({"customer_id": str(change.customer_id)}, change.customer_id) for change in changes],
    )
    # A first tier is not a change worth an event: enabling the plugin for a tenant of
    # 100,000 students would flood its webhooks.
    await sdk.emit_many(
        ctx,
        [
            TierChanged(
                customer_id=change.customer_id,
                old=change.old,
                new=change.new,
                reason=change.reason,
            )
            for change in changes
            if change.old is not None
        ],
    )


def tier_in_force(row: dict[str, Any] | None) -> Tier | None:
    return None if row is None or row["tier"] is None else Tier(row["tier"])
