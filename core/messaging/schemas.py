"""Request and response shapes of channels and messages, and the channel configs per kind."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from core.domain.types import Email, Input, Output, text_meta
from core.errors import InvalidInput


class ChannelKind(enum.StrEnum):
    email = "email"
    http = "http"


class MessageStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
    blocked = "blocked"


class Purpose(enum.StrEnum):
    marketing = "marketing"
    service = "service"


Host = Annotated[str, Meta(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
Port = Annotated[int, Meta(ge=1, le=65535)]
Url = Annotated[str, Meta(max_length=2000, pattern=r"^https?://[^\s\x00]+$")]
HeaderName = Annotated[
    str, Meta(min_length=1, max_length=100, pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
]
HeaderValue = Annotated[str, Meta(max_length=2000, pattern=r"^[^\x00\r\n]*$")]


class EmailConfig(Input):
    """SMTP: `password` omitted on a PUT keeps the stored one, `null` clears it."""

    host: Host
    from_address: Email
    port: Port = 587
    username: Annotated[str, text_meta(254)] | None = None
    password: Annotated[str, text_meta(1000)] | None | UnsetType = UNSET
    starttls: bool = True
    timeout: Annotated[float, Meta(gt=0, le=120)] = 30.0


class HttpConfig(Input):
    """A gateway taking a JSON POST: `{to, subject, body}`, or `template` with the strings
    `{to}`, `{subject}` and `{body}` replaced in its string values. `headers` (e.g. a
    token) are stored encrypted and shown masked; omitted on a PUT keeps the stored ones."""

    url: Url
    headers: dict[HeaderName, HeaderValue] | UnsetType = UNSET
    template: dict[Annotated[str, text_meta(100)], Any] | None = None
    timeout: Annotated[float, Meta(gt=0, le=120)] = 30.0


CONFIGS: dict[ChannelKind, type[Input]] = {
    ChannelKind.email: EmailConfig,
    ChannelKind.http: HttpConfig,
}


class ChannelIn(Input):
    config: dict[str, Any]
    enabled: bool = True


class Channel(Output):
    kind: str
    enabled: bool
    # The config without secrets: `password_set`, header names with masked values.
    config: dict[str, Any]
    updated_at: datetime.datetime


class ChannelList(Output):
    items: list[Channel]


class Message(Output):
    id: uuid.UUID
    channel: str
    recipient: str
    subject: str | None
    body: str
    cause_key: str
    customer_id: uuid.UUID | None
    purpose: str
    status: str
    reason: str | None
    attempts: int
    error: str | None
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None


def validate_config(kind: ChannelKind, config: dict[str, Any]) -> Any:
    """The kind's config struct; 422 naming the offending field path (`config.port`)."""
    try:
        return msgspec.convert(config, type=CONFIGS[kind])
    except msgspec.ValidationError as exc:
        raise InvalidInput.from_msgspec(exc, prefix="config") from None
