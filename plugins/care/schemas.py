"""Request and response shapes of the care plugin's routes."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

from msgspec import Meta

from core import sdk
from plugins.care.config import Filter, Label, Text

STATUSES = ("queued", "sent", "failed", "blocked", "skipped_no_address")


class BroadcastIn(sdk.Input):
    """A notice to a segment now (a weather warning, a service notice): the customers
    tagged `tag`, selected by `filter` (another plugin's customer filter, e.g.
    `"education.tier=key"`) and among `customer_ids`, each when given; everyone when none
    is."""

    label: Label
    template: Text
    channel: Literal["http", "email"] = "http"
    purpose: Literal["marketing", "service"] = "marketing"
    tag: Annotated[str, Meta(min_length=1, max_length=50)] | None = None
    # Another plugin's customer filter, as in `GET /customers?education.tier=key`.
    filter: Filter | None = None
    customer_ids: Annotated[list[uuid.UUID], Meta(max_length=5000)] | None = None


class Counts(sdk.Output):
    total: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped_no_address: int = 0


class BroadcastOut(sdk.Output):
    id: uuid.UUID
    label: str
    channel: str
    purpose: str
    customers: int
    batches: int
    counts: Counts
    created_at: datetime.datetime


class RenewalIn(sdk.Input):
    """A date to send a renewal notice before, for what no plugin publishes as an event
    (enrolments in the education plugin are remembered from its events)."""

    customer_id: uuid.UUID
    label: Label
    due_on: sdk.Day
    days_before: Annotated[int, Meta(ge=0, le=365)] | None = None


class RenewalOut(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    label: str
    due_on: datetime.date
    notify_on: datetime.date


class ReportRow(sdk.Output):
    occasion: str
    channel: str | None
    status: str
    count: int


class MessagesReport(sdk.Output):
    month: str
    totals: Counts
    by_occasion: dict[str, Counts]
    by_channel: dict[str, Counts]
    items: list[ReportRow]


class LogEntry(sdk.Output):
    id: uuid.UUID
    kind: str
    occasion: str
    channel: str | None
    customer_id: uuid.UUID | None
    outcome: str
    served_on: datetime.date
    created_at: datetime.datetime
