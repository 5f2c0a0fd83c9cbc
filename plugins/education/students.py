"""Students: the profile, the lifecycle and the tier override (with requests for one)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.education import lifecycle
from plugins.education.config import ENROLLED_STAGES, EducationConfig, LifecycleStage, Tier
from plugins.education.context import Ctx
from plugins.education.evaluation import (
    Change,
    load_facts,
    organizations,
    record_changes,
    reevaluate,
)
from plugins.education.events import OverrideRequested
from plugins.education.repository import (
    EnrollmentRepository,
    OverrideRequestRepository,
    StudentRepository,
)
from plugins.education.schemas import Levels, Override, OverrideRequest, Student, StudentIn
from plugins.education.tiering import Facts, evaluate
from plugins.education.timezone import local_today

PENDING = "pending"


def student_view(row: dict[str, Any]) -> Student:
    # By hand: the tier in force, the override and the levels are assembled from columns.
    override = None
    if row["override_tier"] is not None:
        override = Override(
            tier=row["override_tier"],
            reason=row["override_reason"],
            by=row["override_by"],
            at=row["override_at"],
        )
    return Student(
        customer_id=row["customer_id"],
        position=row["position"],
        school_stage=row["school_stage"],
        intent=row["intent"],
        lifecycle_stage=row["lifecycle_stage"],
        tier=row["tier"] or row["computed_tier"],
        computed_tier=row["computed_tier"],
        override=override,
        levels=Levels(
            position=row["position_level"],
            paid=row["paid_level"],
            duration=row["duration_level"],
        ),
        updated_at=row["updated_at"],
    )


def unsaved_view(customer_id: uuid.UUID, config: EducationConfig, facts: Facts) -> Student:
    """A customer the plugin has not seen yet (its event is on the way): the rule's answer
    from the facts, nothing stored."""
    tier, levels = evaluate(facts, config)
    return Student(
        customer_id=customer_id,
        position=None,
        school_stage=None,
        intent=None,
        lifecycle_stage=str(LifecycleStage.lead),
        tier=str(tier),
        computed_tier=str(tier),
        override=None,
        levels=Levels(position=levels.position, paid=levels.paid, duration=levels.duration),
        updated_at=sdk.utcnow(),
    )


async def require_person(ctx: Ctx, customer_id: uuid.UUID, field: str = "customer_id") -> None:
    """A customer of the caller's tenant (404) who may be a student: not an organisation
    (422 naming `field`)."""
    await sdk.require_customer(ctx, customer_id)
    if await organizations(ctx, [customer_id]):
        raise sdk.InvalidInput([(field, "an organization is never a student")])


async def enrolled(ctx: Ctx, customer_id: uuid.UUID, enrollment_id: uuid.UUID) -> None:
    """A new enrolment: a lead or consulting student is now enrolled; a student due for
    renewal has renewed, and so has an enrolled or learning one whose previous latest
    course's renewal window is open (today in the tenant's zone)."""
    row = await StudentRepository(ctx.tenant_id).of(customer_id)
    assert row is not None
    stage = LifecycleStage(row["lifecycle_stage"])
    periods = await EnrollmentRepository(ctx.tenant_id).periods([customer_id], but=enrollment_id)
    previous = lifecycle.latest(periods.get(customer_id, []))
    in_window = previous is not None and lifecycle.window_open(
        ctx.config, previous, local_today(ctx.timezone)
    )
    if stage == LifecycleStage.renewal_due or (
        stage in (LifecycleStage.enrolled, LifecycleStage.learning) and in_window
    ):
        await lifecycle.move_stage(ctx, row, LifecycleStage.renewed)
    elif stage not in ENROLLED_STAGES:
        await lifecycle.move_stage(ctx, row, LifecycleStage.enrolled)


async def update_profile(ctx: Ctx, customer_id: uuid.UUID, data: StudentIn) -> Student:
    config: EducationConfig = ctx.config
    changes = data.changes()
    errors = []
    if changes.get("position") is not None and config.position(changes["position"]) is None:
        names = ", ".join(p.name for p in config.positions)
        errors.append(("position", f"not one of this tenant's positions: {names}"))
    stage = changes.get("school_stage")
    if stage is not None and config.school_stage(stage) is None:
        names = ", ".join(s.name for s in config.school_stages)
        errors.append(("school_stage", f"not one of this tenant's school stages: {names}"))
    if errors:
        raise sdk.InvalidInput(errors)
    students = StudentRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await require_person(ctx, customer_id)
        await students.add_missing([customer_id])
        row = await students.of(customer_id)
        assert row is not None
        if "lifecycle_stage" in changes:
            row = await lifecycle.move_stage(
                ctx, row, LifecycleStage(changes.pop("lifecycle_stage"))
            )
        if changes:
            await students.update(row["id"], {**changes, "updated_at": sdk.utcnow()})
        await reevaluate(ctx, [customer_id], "profile changed")
        row = await students.of(customer_id)
    assert row is not None
    return student_view(row)


async def get_student(ctx: Ctx, customer_id: uuid.UUID) -> Student:
    """The student of a customer of the caller's tenant (404 for any other id)."""
    async with sdk.tenant_transaction(ctx.tenant_id):
        await sdk.require_customer(ctx, customer_id)
        found = await student_of(ctx, customer_id)
    if found is None:
        raise sdk.NotFound("Not a student: no profile and no enrolment.")
    return found


async def student_of(ctx: Ctx, customer_id: uuid.UUID) -> Student | None:
    """The student as stored; one not evaluated yet is shown as the rule would rank them;
    None for a customer who is not a student (no profile, no enrolment, and not every
    person is tiered, or an organisation). For a customer known to exist."""
    config: EducationConfig = ctx.config
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await StudentRepository(ctx.tenant_id).of(customer_id)
        if row is not None and row["tier"] is not None:
            return student_view(row)
        if row is None and (not config.tier_all_people or await organizations(ctx, [customer_id])):
            return None
        stub = {"customer_id": customer_id, "position": row and row["position"]}
        facts = (await load_facts(ctx, config, [stub], everyone=False))[customer_id]
    return unsaved_view(customer_id, config, facts)


# -- overrides ---------------------------------------------------------------------------
async def set_override(ctx: Ctx, customer_id: uuid.UUID, tier: Tier | None, reason: str) -> Student:
    """Set (or with `tier=None` remove) a student's tier override; the change of tier in
    force is recorded with the reason and who made it."""
    students = StudentRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await require_person(ctx, customer_id)
        await students.add_missing([customer_id])  # an override makes a student
        await reevaluate(ctx, [customer_id], "before override")
        row = await students.of(customer_id)
        assert row is not None
        now = sdk.utcnow()
        in_force = str(tier) if tier is not None else row["computed_tier"]
        await students.update(
            row["id"],
            {
                "override_tier": None if tier is None else str(tier),
                "override_reason": None if tier is None else reason,
                "override_by": None if tier is None else ctx.user_id,
                "override_at": None if tier is None else now,
                "tier": in_force,
                "updated_at": now,
            },
        )
        if in_force != row["tier"]:
            what = f"override to {tier}" if tier is not None else "override removed"
            await record_changes(
                ctx,
                [
                    Change(
                        customer_id=customer_id,
                        old=row["tier"],
                        new=in_force,
                        computed=row["computed_tier"],
                        overridden=tier is not None,
                        reason=f"{what}: {reason}",
                    )
                ],
            )
        row = await students.of(customer_id)
    assert row is not None
    return student_view(row)


def request_view(row: dict[str, Any]) -> OverrideRequest:
    return msgspec.convert(row, OverrideRequest)


async def request_override(
    ctx: Ctx, customer_id: uuid.UUID, tier: Tier, reason: str
) -> OverrideRequest:
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await sdk.require_customer(ctx, customer_id)
        row = await OverrideRequestRepository(ctx.tenant_id).insert(
            customer_id=customer_id,
            tier=str(tier),
            reason=reason,
            status=PENDING,
            requested_by=ctx.user_id,
            created_at=sdk.utcnow(),
        )
        await sdk.emit(
            ctx,
            OverrideRequested(request_id=row["id"], customer_id=customer_id, tier=str(tier)),
        )
    return request_view(row)


async def decide(
    ctx: Ctx, request_id: uuid.UUID | None, approve: bool, note: str | None
) -> OverrideRequest:
    """Approve (the override is set, with the request's reason) or reject a pending request;
    a request already decided is a 409."""
    requests = OverrideRequestRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        row = await requests.get_for_update(request_id)
        if row is None or not await sdk.customer_exists(ctx, row["customer_id"]):
            raise sdk.NotFound("No such override request.")
        if row["status"] != PENDING:
            raise sdk.Conflict(f"The request was already {row['status']}.")
        if approve:
            await set_override(ctx, row["customer_id"], Tier(row["tier"]), row["reason"])
        updated = await requests.update(
            row["id"],
            {
                "status": "approved" if approve else "rejected",
                "decided_by": ctx.user_id,
                "decided_at": sdk.utcnow(),
                "decision_note": note,
            },
        )
    assert updated is not None
    return request_view(updated)
