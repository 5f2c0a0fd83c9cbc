"""Request and response shapes of webhooks (api.md §7)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec

from core.domain.types import PLAIN, Input, Output

# Event names are checked against the event catalogue (core.catalogue); "*" is all of them.
ALL_EVENTS = "*"

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=PLAIN)]
EventName = Annotated[
    str, msgspec.Meta(max_length=64, pattern=r"^(\*|[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*)$")
]


class WebhookCreate(Input):
    url: Url
    events: Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=50)]


class Webhook(Output):
    id: uuid.UUID
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime.datetime
    disabled_at: datetime.datetime | None


class WebhookCreated(Webhook):
    """The answer to creation, the only time the signing secret is shown."""

    secret: str


class Delivery(Output):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str  # pending | succeeded | failed
    attempt: int
    response_code: int | None
    duration_ms: int | None
    error: str | None
    created_at: datetime.datetime
    last_attempt_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None
    completed_at: datetime.datetime | None
