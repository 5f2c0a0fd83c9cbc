"""The events the education plugin publishes (declared on its descriptor).

Subscribers in other plugins decode them into Structs of their own and never import this
module: fields are only ever added, never renamed or removed.
"""

from __future__ import annotations

import datetime
import uuid
from typing import ClassVar

from core import sdk


class TierChanged(sdk.Event, frozen=True):
    """A student's tier in force changed (not their first tier: enabling the plugin for a
    tenant of 100,000 students would flood its subscribers)."""

    type: ClassVar[str] = "education.tier_changed"
    customer_id: uuid.UUID
    old: str
    new: str
    reason: str


class OverrideRequested(sdk.Event, frozen=True):
    """An agent asked a supervisor to override a student's tier."""

    type: ClassVar[str] = "education.override_requested"
    request_id: uuid.UUID
    customer_id: uuid.UUID
    tier: str


class EnrollmentCreated(sdk.Event, frozen=True):
    """A customer was enrolled on a course, from `starts_on` to `ends_on` (its last day,
    the day a renewal falls due)."""

    type: ClassVar[str] = "education.enrollment_created"
    customer_id: uuid.UUID
    enrollment_id: uuid.UUID
    course: str
    starts_on: datetime.date
    ends_on: datetime.date


class EnrollmentDeleted(sdk.Event, frozen=True):
    """An enrolment entered by mistake was removed."""

    type: ClassVar[str] = "education.enrollment_deleted"
    customer_id: uuid.UUID
    enrollment_id: uuid.UUID
    course: str
    ends_on: datetime.date
