"""Request and response shapes of interactions (api.md §4)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated

import msgspec

from core.domain.types import Input, Instant, Output

# RFC 3339 with an offset: a time without one would be ambiguous.
Channel = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Summary = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class Direction(enum.StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class InteractionCreate(Input):
    channel: Channel
    direction: Direction
    summary: Summary
    occurred_at: Instant | None = None


class Interaction(Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    direction: str
    summary: str
    occurred_at: datetime.datetime
    staff_id: uuid.UUID | None
    created_at: datetime.datetime
