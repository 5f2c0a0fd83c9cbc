"""Request and response shapes of interactions (api.md §4)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated

from core.domain.types import Input, Instant, Output, text_meta

# RFC 3339 with an offset: a time without one would be ambiguous.
Channel = Annotated[str, text_meta(50, required=True)]
Summary = Annotated[str, text_meta(4000, required=True)]
Kind = Annotated[str, text_meta(50, required=True)]


class Direction(enum.StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class InteractionCreate(Input):
    channel: Channel
    direction: Direction
    summary: Summary
    occurred_at: Instant | None = None
    # What it was about, e.g. "feedback": an opinion that plugins may answer.
    kind: Kind | None = None


class Interaction(Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    direction: str
    summary: str
    kind: str | None
    occurred_at: datetime.datetime
    staff_id: uuid.UUID | None
    created_at: datetime.datetime
