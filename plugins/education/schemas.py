"""Request and response shapes of the education routes (api.md §6)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from core import sdk
from plugins.education.config import Intent, LifecycleStage, Name, Tier

Course = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Reason = Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]
Note = Annotated[str, Meta(max_length=2000, pattern=r"^[^\x00]*$")]
Fee = Annotated[int, Meta(ge=0, le=10_000_000_000_000)]


class StudentIn(sdk.Input):
    """Every field optional; `null` clears it. Position and school stage are names from the
    tenant's config."""

    position: Name | None | UnsetType = UNSET
    school_stage: Name | None | UnsetType = UNSET
    intent: Intent | None | UnsetType = UNSET
    lifecycle_stage: LifecycleStage | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            field: value if value is None else str(value)
            for field in self.__struct_fields__
            if (value := getattr(self, field)) is not UNSET
        }


class Override(sdk.Output):
    tier: str
    reason: str | None
    by: uuid.UUID | None
    at: datetime.datetime | None


class Levels(sdk.Output):
    position: int
    paid: int
    duration: int


class Student(sdk.Output):
    customer_id: uuid.UUID
    position: str | None
    school_stage: str | None
    intent: str | None
    lifecycle_stage: str
    tier: str
    computed_tier: str
    override: Override | None
    levels: Levels
    updated_at: datetime.datetime


class EnrollmentIn(sdk.Input):
    customer_id: uuid.UUID
    course: Course
    starts_on: sdk.Day
    ends_on: sdk.Day
    fee: Fee = 0  # minor units of the tenant's currency


class Enrollment(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    course: str
    starts_on: datetime.date
    ends_on: datetime.date
    fee: int
    currency: str
    reminder_task_id: uuid.UUID | None
    created_at: datetime.datetime


class OverrideIn(sdk.Input):
    """`tier: null` removes the override."""

    customer_id: uuid.UUID
    tier: Tier | None
    reason: Reason


class OverrideRequestIn(sdk.Input):
    customer_id: uuid.UUID
    tier: Tier
    reason: Reason


class DecisionIn(sdk.Input):
    note: Note | None = None


class OverrideRequest(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    tier: str
    reason: str
    status: str
    requested_by: uuid.UUID | None
    decided_by: uuid.UUID | None
    decided_at: datetime.datetime | None
    decision_note: str | None
    created_at: datetime.datetime


class TierChange(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    old_tier: str | None
    new_tier: str
    computed_tier: str
    overridden: bool
    reason: str
    changed_by: uuid.UUID | None
    changed_at: datetime.datetime


class ServiceRunIn(sdk.Input):
    title: Course
    due_at: sdk.Instant | None = None


class ServiceRun(sdk.Output):
    run_id: uuid.UUID
    service: str
    students: int


class GreetingCounts(sdk.Output):
    total: int
    sent: int
    queued: int
    failed: int
    blocked: int = 0  # held back by the consent gate (api.md §4)


class GreetingsReport(sdk.Output):
    month: str
    total: int
    sent: int
    queued: int
    failed: int
    by_occasion: dict[str, GreetingCounts]
    blocked: int = 0


class FunnelFigures(sdk.Output):
    leads: int
    converted: int
    conversion_rate: float | None  # a fraction 0–1
    renewal_due: int
    renewed: int
    lost: int
    renewal_rate: float | None  # a fraction 0–1


class Funnel(sdk.Output):
    start: datetime.date = msgspec.field(name="from")
    end: datetime.date = msgspec.field(name="to")
    overall: FunnelFigures
    by_source: dict[str, FunnelFigures]
    by_intent: dict[str, FunnelFigures]
