"""Channel configuration, the outbox of messages, and the sending of one message.

Plugins queue with `queue_message` (re-exported by `core.sdk`) inside their transaction;
the relay (core.jobs.worker) enqueues a `send_message` job for each due message, which
leases the row, sends outside any transaction and records the outcome. A message that
fails is retried with `core.events.backoff` up to `MAX_ATTEMPTS`, then kept as failed.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from core.contactinfo import (
    SENSITIVE_VIEWER_FLOOR,
    ContactInfoError,
    mask_recipient,
    normalize_email,
)
from core.crypto import FieldCipher
from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.errors import InvalidInput
from core.events import backoff
from core.ids import uuid7
from core.messaging import consent, schemas, senders
from core.messaging.repository import ChannelRepository, MessageRepository
from core.messaging.schemas import ChannelKind, MessageStatus, Purpose
from core.messaging.tables import Message
from core.messaging.templates import parse_json_template
from core.net import destinations
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext, TenantScoped
from core.tenancy.repository import utcnow

log = logging.getLogger("patron.messages")

MAX_ATTEMPTS = 6
# Longer than any sender's timeout (at most 120 s): a crashed sender's lease runs out.
LEASE = datetime.timedelta(minutes=5)
MASK = "********"
HTTP_TEMPLATE_FIELDS = frozenset({"to", "subject", "body"})

MAX_RECIPIENT = 320
MAX_SUBJECT = 300
MAX_BODY = 100_000
MAX_CAUSE_KEY = 200


# -- channels ---------------------------------------------------------------------------


class ChannelService:
    def __init__(
        self,
        ctx: TenantContext,
        cipher: FieldCipher,
        *,
        allow_private: bool = False,
        resolver: destinations.Resolver | None = None,
    ) -> None:
        self.ctx = ctx
        self.cipher = cipher
        self.allow_private = allow_private
        self.resolver = resolver
        self.channels = ChannelRepository(ctx.tenant_id)

    async def list(self) -> schemas.ChannelList:
        async with tenant_transaction(self.ctx.tenant_id):
            rows = await self.channels.select().order_by(self.channels.table.kind)
        return schemas.ChannelList(items=[channel_view(row) for row in rows])

    async def configure(self, kind: ChannelKind, data: schemas.ChannelIn) -> schemas.Channel:
        """Create or replace the tenant's channel of `kind`. Secrets left out keep their
        stored value (so the config can be edited without re-entering them)."""
        config = schemas.validate_config(kind, data.config)
        await self._check_destination(kind, config)
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            current = await self.channels.of_kind(str(kind))
            previous = current["config"] if current else {}
            stored = self._stored_config(kind, config, previous)
            values = {
                "enabled": data.enabled,
                "config": msgspec.json.encode(stored).decode(),
                "updated_by": self.ctx.user_id,
                "updated_at": now,
            }
            row: dict[str, Any] | None
            if current is None:
                row = await self.channels.insert(kind=str(kind), **values)
            else:
                row = await self.channels.update(current["id"], values)
                assert row is not None
        return channel_view(row)

    async def _check_destination(self, kind: ChannelKind, config: Any) -> None:
        """The destination guard at configuration (every send checks again), and the
        http channel's payload template: placeholders only, its size capped."""
        if kind == ChannelKind.email:
            await destinations.check_configured(
                "config.host",
                host=config.host,
                port=config.port,
                allow_private=self.allow_private,
                resolver=self.resolver,
            )
            return
        await destinations.check_configured(
            "config.url", url=config.url, allow_private=self.allow_private, resolver=self.resolver
        )
        if config.template is not None:
            parse_json_template(config.template, HTTP_TEMPLATE_FIELDS, field="config.template")

    def _stored_config(
        self, kind: ChannelKind, config: Any, previous: dict[str, Any]
    ) -> dict[str, Any]:
        plain = {
            k: v for k, v in msgspec.to_builtins(config).items() if k not in ("password", "headers")
        }
        if kind == ChannelKind.email:
            try:
                plain["from_address"] = normalize_email(config.from_address)
            except ContactInfoError as exc:
                raise InvalidInput([("config.from_address", str(exc))]) from None
            if config.password is msgspec.UNSET:
                plain["password_encrypted"] = previous.get("password_encrypted")
            else:
                password = config.password
                plain["password_encrypted"] = self.cipher.encrypt(password) if password else None
        else:
            if config.headers is msgspec.UNSET:
                plain["headers_encrypted"] = previous.get("headers_encrypted")
                plain["header_names"] = previous.get("header_names", [])
            else:
                headers = dict(config.headers)
                plain["headers_encrypted"] = (
                    self.cipher.encrypt(msgspec.json.encode(headers).decode()) if headers else None
                )
                plain["header_names"] = sorted(headers)
        return plain


def channel_view(row: dict[str, Any]) -> schemas.Channel:
    # By hand: secrets are masked and the URL redacted.
    stored = dict(row["config"])
    if row["kind"] == ChannelKind.email:
        stored["password_set"] = bool(stored.pop("password_encrypted", None))
    else:
        stored.pop("headers_encrypted", None)
        stored["headers"] = {name: MASK for name in stored.pop("header_names", [])}
        stored["url"] = redacted_url(stored["url"])
    return schemas.Channel(
        kind=row["kind"], enabled=row["enabled"], config=stored, updated_at=row["updated_at"]
    )


def redacted_url(url: str) -> str:
    """The URL as shown to anyone: user info and query values (tokens) masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    query = "&".join(
        f"{name}={MASK}" if value or sep else name
        for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


# -- the outbox -------------------------------------------------------------------------


def _check_text(
    errors: list[tuple[str, str]], field: str, value: Any, limit: int, *, required: bool = True
) -> None:
    if not isinstance(value, str):
        errors.append((field, "must be a string"))
    elif required and not value.strip():
        errors.append((field, "must not be blank"))
    elif len(value) > limit:
        errors.append((field, f"at most {limit} characters"))
    elif "\x00" in value:
        errors.append((field, "must not contain NUL"))


async def queue_message(
    ctx: TenantScoped,
    *,
    channel: str,
    to: str,
    subject: str | None,
    body: str,
    cause_key: str,
    customer_id: uuid.UUID | str | None = None,
    purpose: str = "service",
) -> bool:
    """Queue a message on the tenant's `channel` ("email" or "http") for sending after
    commit; False (and nothing queued) when a message with this `cause_key` was queued
    before. Call it inside your write transaction: the message commits with your change.

    `cause_key` names why the message is sent (e.g. f"welcome:{customer_id}"): a hook that
    runs again, or a plugin that asks twice, never sends a second message.

    `purpose` ("marketing" or "service") is what the consent gate checks (api.md §4): a
    message the customer's consent does not allow is recorded with status "blocked" and
    the reason, and is never sent (still True: the cause is used up). A marketing message
    names its `customer_id`. `deliver_message` answers the status instead.
    """
    status = await deliver_message(
        ctx,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        cause_key=cause_key,
        customer_id=customer_id,
        purpose=purpose,
    )
    return status is not None


async def deliver_message(
    ctx: TenantScoped,
    *,
    channel: str,
    to: str,
    subject: str | None,
    body: str,
    cause_key: str,
    customer_id: uuid.UUID | str | None = None,
    purpose: str = "service",
    marketing_mode: str | None = None,
) -> str | None:
    """`queue_message`, answering "queued" or "blocked" (the consent gate held it back),
    or None when the cause was queued before. `marketing_mode` saves a read of the tenant
    setting when the caller has it (a batch)."""
    errors: list[tuple[str, str]] = []
    if channel not in ChannelKind.__members__:
        errors.append(("channel", f"one of {', '.join(ChannelKind)}"))
    if purpose not in Purpose.__members__:
        errors.append(("purpose", f"one of {', '.join(Purpose)}"))
    _check_text(errors, "to", to, MAX_RECIPIENT)
    if subject is not None:
        _check_text(errors, "subject", subject, MAX_SUBJECT, required=False)
    _check_text(errors, "body", body, MAX_BODY, required=False)
    _check_text(errors, "cause_key", cause_key, MAX_CAUSE_KEY)
    customer: uuid.UUID | None = None
    if customer_id is not None:
        try:
            customer = uuid.UUID(str(customer_id))
        except ValueError:
            errors.append(("customer_id", "not an id"))
    elif purpose == Purpose.marketing:
        errors.append(("customer_id", "a marketing message names its customer"))
    if not errors and channel == ChannelKind.email:
        try:
            to = normalize_email(to)
        except ContactInfoError as exc:
            errors.append(("to", str(exc)))
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    async with tenant_transaction(ctx.tenant_id, write=True):
        if customer is not None and await CustomerRepository(ctx.tenant_id).get(customer) is None:
            raise InvalidInput([("customer_id", "no such customer in this tenant")])
        reason = await consent.refusal(ctx.tenant_id, customer, purpose, mode=marketing_mode)
        status = MessageStatus.blocked if reason else MessageStatus.queued
        inserted = await MessageRepository(ctx.tenant_id).insert_if_absent(
            id=uuid7(),
            channel=str(ChannelKind(channel)),
            recipient=to,
            subject=subject,
            body=body,
            cause_key=cause_key,
            customer_id=customer,
            purpose=str(Purpose(purpose)),
            status=str(status),
            reason=reason,
            attempts=0,
            error=None,
            next_attempt_at=now,
            locked_until=None,
            sent_at=None,
            created_at=now,
        )
    return str(status) if inserted else None


class MessageService:
    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.messages = MessageRepository(ctx.tenant_id)

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        customer_id: uuid.UUID | None = None,
        status: MessageStatus | None = None,
        channel: ChannelKind | None = None,
        purpose: Purpose | None = None,
    ) -> Page[schemas.Message]:
        """Newest first."""
        where = []
        if customer_id is not None:
            where.append(Message.customer_id == customer_id)
        if status is not None:
            where.append(Message.status == str(status))
        if channel is not None:
            where.append(Message.channel == str(channel))
        if purpose is not None:
            where.append(Message.purpose == str(purpose))
        async with tenant_transaction(self.ctx.tenant_id):
            page = await self.messages.page(
                *where, limit=limit, cursor=Cursor.decode(cursor), newest_first=True
            )
        sees_whole = self.ctx.at_least(SENSITIVE_VIEWER_FLOOR)
        return page.map(lambda row: message_view(row, masked=not sees_whole))


def message_view(row: dict[str, Any], *, masked: bool = False) -> schemas.Message:
    """`masked`: the recipient as agents and viewers see contact details (by hand: the
    mask, and `next_attempt_at` only while queued)."""
    queued = row["status"] == MessageStatus.queued
    return schemas.Message(
        id=row["id"],
        channel=row["channel"],
        recipient=mask_recipient(row["recipient"]) if masked else row["recipient"],
        subject=row["subject"],
        body=row["body"],
        cause_key=row["cause_key"],
        customer_id=row["customer_id"],
        purpose=row["purpose"],
        status=row["status"],
        reason=row["reason"],
        attempts=row["attempts"],
        error=row["error"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        next_attempt_at=row["next_attempt_at"] if queued else None,
    )


# -- sending ----------------------------------------------------------------------------


class MessageSender:
    """Sends one message of one tenant (the `send_message` job); at least once, and in
    practice once: the lease keeps concurrent jobs apart, a sent message is never sent
    again, and senders pass the message id (Message-ID, Idempotency-Key) for receivers
    to drop the duplicate of a send retried after a crash between send and record."""

    def __init__(
        self,
        cipher: FieldCipher,
        *,
        allow_private: bool = False,
        resolver: destinations.Resolver | None = None,
    ) -> None:
        self.cipher = cipher
        self.allow_private = allow_private
        self.resolver = resolver

    async def send(self, tenant_id: uuid.UUID, message_id: uuid.UUID) -> str | None:
        """Send if due and not held; the status recorded, or None when skipped."""
        messages = MessageRepository(tenant_id)
        now = utcnow()
        async with tenant_transaction(tenant_id, write=True):
            if not await messages.lease(message_id, now, now + LEASE):
                return None  # sent, failed, or being sent by another job
            message = await messages.get(message_id)
            channel = (
                await ChannelRepository(tenant_id).of_kind(message["channel"]) if message else None
            )
            # The gate again, at the last moment: consent (or the tenant setting) may have
            # changed since the message was queued.
            reason = message and await consent.refusal(
                tenant_id, message["customer_id"], message["purpose"]
            )
            if reason:
                await messages.update(
                    message_id,
                    {"status": str(MessageStatus.blocked), "reason": reason, "locked_until": None},
                )
                return str(MessageStatus.blocked)
        if message is None:
            return None
        if (nxt := message["next_attempt_at"]) is not None and nxt > now:
            # Not due yet (the relay saw an older state): give the lease back.
            async with tenant_transaction(tenant_id, write=True):
                await messages.update(message_id, {"locked_until": None})
            return None
        error: str | None = None
        try:
            await self._send(channel, message)
        except senders.SendError as exc:
            error = str(exc)
        except Exception:  # noqa: BLE001 - a sender bug must not keep the lease forever
            log.exception("sending message %s of tenant %s failed", message_id, tenant_id)
            error = "internal error (logged)"
        return await self._record(messages, message, error)

    async def _send(self, channel: dict[str, Any] | None, message: dict[str, Any]) -> None:
        if channel is None:
            raise senders.SendError(f"no {message['channel']} channel is configured")
        if not channel["enabled"]:
            raise senders.SendError(f"the {message['channel']} channel is disabled")
        config = channel["config"]
        if channel["kind"] == ChannelKind.email:
            token = config.get("password_encrypted")
            password = self.cipher.decrypt(token) if token else None
            if token and password is None:
                raise senders.SendError("the stored SMTP password cannot be decrypted")
            await senders.send_email(
                config,
                password,
                message,
                allow_private=self.allow_private,
                resolver=self.resolver,
            )
        else:
            token = config.get("headers_encrypted")
            headers = msgspec.json.decode(self.cipher.decrypt(token) or "{}") if token else {}
            await senders.send_http(
                config,
                headers,
                message,
                allow_private=self.allow_private,
                resolver=self.resolver,
            )

    async def _record(
        self, messages: MessageRepository, message: dict[str, Any], error: str | None
    ) -> str:
        attempts = message["attempts"] + 1
        now = utcnow()
        if error is None:
            status = MessageStatus.sent
        elif attempts >= MAX_ATTEMPTS:
            status = MessageStatus.failed
        else:
            status = MessageStatus.queued
        values: dict[str, Any] = {
            "status": str(status),
            "attempts": attempts,
            "error": error,
            "locked_until": None,
            "next_attempt_at": now + backoff(attempts) if error else now,
        }
        if status == MessageStatus.sent:
            values["sent_at"] = now
        async with tenant_transaction(messages.tenant_id, write=True):
            # A send that went out is recorded as sent; a failed one that a consent withdrawn
            # meanwhile blocked stays blocked (never retried).
            query = messages.update_where(
                {Message._meta.get_column_by_name(k): v for k, v in values.items()}
            ).where(Message.id == message["id"])
            if status != MessageStatus.sent:
                query = query.where(Message.status == str(MessageStatus.queued))
            await query
        if error is not None:
            log.info(
                "message %s of tenant %s: attempt %d failed (%s)",
                message["id"],
                messages.tenant_id,
                attempts,
                error,
            )
        return str(status)
