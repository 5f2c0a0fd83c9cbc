"""`Idempotency-Key` on POST: the same key and body replay the first response.

Keys belong to the staff member who sent them: a replay never hands one user's response
to another (it would bypass their role). A key is reserved (unique per tenant, user and
key) before the handler runs, so two concurrent requests with one key cannot both
execute; the second gets 409 while the first runs. The stored response is replayed for
24 hours; a different body under the same key is a 409. Responses of 5xx are not stored,
so the client may retry. Routes whose response shows a secret once (`opt={"shows_secret":
True}`, e.g. a new API key) keep no body: a repeat is a 409, not a second showing.

A stored response may show what is never stored in plain text (a customer's ID number to
a supervisor), so it is kept encrypted with the field cipher, and the request is
fingerprinted with a keyed hash (a plain hash of a body holding an 18-digit ID number
could be reversed by trying them all). Records past their 24 hours are deleted by the
maintenance job (`purge_expired`). The body is read within the route's size limit, after
`core.limits.BodyLimitMiddleware` has checked it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import uuid
from typing import Any

import msgspec
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from piccolo.custom_types import Combinable

from core import db
from core.crypto import FieldCipher
from core.errors import Conflict, InvalidInput, PatronError, document_of
from core.limits import BodyTooLarge, body_limit
from core.tenancy.context import TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.rows import aware
from core.tenancy.tables import IdempotencyRecord, Tenant

RETENTION = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyRepository(TenantRepository[IdempotencyRecord]):
    table = IdempotencyRecord

    def _of(self, user_id: uuid.UUID, key: str) -> Combinable:
        return (IdempotencyRecord.user_id == user_id) & (IdempotencyRecord.key == key)

    async def find(self, user_id: uuid.UUID, key: str) -> dict | None:
        return await self.select().where(self._of(user_id, key)).first()

    async def forget(self, user_id: uuid.UUID, key: str) -> None:
        await self.delete_where().where(self._of(user_id, key))

    async def complete(self, user_id: uuid.UUID, key: str, status: int, body: str | None) -> None:
        await self.update_where(
            {IdempotencyRecord.status_code: status, IdempotencyRecord.response_body: body}
        ).where(self._of(user_id, key))


def _request_hash(key: bytes, scope: Scope, body: bytes) -> str:
    digest = hmac.new(key, digestmod=hashlib.sha256)
    digest.update(scope["path"].encode())
    digest.update(b"?" + scope.get("query_string", b""))
    digest.update(b"\n" + body)
    return digest.hexdigest()


async def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the records past their retention, tenant by tenant (the table has row-level
    security); how many were deleted."""
    cutoff = (now or utcnow()) - RETENTION
    async with db.transaction():
        tenants = await Tenant.select(Tenant.id)
    deleted = 0
    for tenant in tenants:
        repo = IdempotencyRepository(tenant["id"])
        async with db.tenant_transaction(tenant["id"], write=True):
            gone = (
                await repo.delete_where()
                .where(IdempotencyRecord.created_at < cutoff)
                .returning(IdempotencyRecord.id)
            )
        deleted += len(gone)
    return deleted


def _created_at(record: dict[str, Any]) -> datetime.datetime:
    return aware(record["created_at"])


async def _reserve(ctx: TenantContext, key: str, request_hash: str) -> dict | None:
    """Reserve the key; return the existing record when there is one still in force."""
    repo = IdempotencyRepository(ctx.tenant_id)
    async with db.tenant_transaction(ctx.tenant_id, write=True):
        existing = await repo.find(ctx.user_id, key)
        if existing is not None and utcnow() - _created_at(existing) > RETENTION:
            await repo.forget(ctx.user_id, key)
            existing = None
        if existing is None:
            await repo.insert(
                user_id=ctx.user_id, key=key, request_hash=request_hash, created_at=utcnow()
            )
        return existing


async def _store(
    ctx: TenantContext, key: str, status: int, body: bytes | None, cipher: FieldCipher
) -> None:
    repo = IdempotencyRepository(ctx.tenant_id)
    async with db.tenant_transaction(ctx.tenant_id, write=True):
        if status >= 500:
            await repo.forget(ctx.user_id, key)
        else:
            text = None if body is None else cipher.encrypt(body.decode("utf-8", "replace"))
            await repo.complete(ctx.user_id, key, status, text)


async def _send_error(send: Send, error: PatronError) -> None:
    await _send_body(send, error.status, msgspec.json.encode(document_of(error)))


async def _send_body(send: Send, status: int, body: bytes, replayed: bool = False) -> None:
    content_type = b"application/problem+json" if status >= 400 else b"application/json"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class IdempotencyMiddleware(ASGIMiddleware):
    def __init__(self, cipher: FieldCipher, secret_key: str) -> None:
        self.cipher = cipher
        self.hash_key = hashlib.sha256(b"patron-idempotency\n" + secret_key.encode()).digest()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        ctx = scope.get("user")
        key = _header(scope, b"idempotency-key")
        if scope.get("method") != "POST" or key is None or not isinstance(ctx, TenantContext):
            await next_app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_error(send, InvalidInput([("Idempotency-Key", "1 to 255 characters")]))
            return

        limit, size, more = body_limit(scope), 0, True
        chunks_in: list[bytes] = []
        while more:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(detail=f"The body is over the limit of {int(limit)} bytes.")
            chunks_in.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks_in)
        request_hash = _request_hash(self.hash_key, scope, body)

        try:
            existing = await _reserve(ctx, key, request_hash)
        except Exception as exc:
            if not db.is_unique_violation(exc):
                raise
            await _send_error(send, Conflict("A request with this Idempotency-Key is in progress."))
            return
        if existing is not None:
            await _replay(send, existing, request_hash, self.cipher)
            return

        status, chunks = 500, []

        async def replay_receive() -> ReceiveMessage:
            return {"type": "http.request", "body": body, "more_body": False}

        last: Message | None = None

        async def capture(message: Message) -> None:
            nonlocal status, last
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    last = message  # sent once the response is stored (see below)
                    return
            await send(message)

        handler = scope.get("route_handler")
        shows_secret = bool(handler and handler.opt.get("shows_secret"))
        try:
            await next_app(scope, replay_receive, capture)
        finally:
            await _store(ctx, key, status, None if shows_secret else b"".join(chunks), self.cipher)
        # Only now does the client have the whole answer: a retry it sends right away
        # finds the stored response rather than a key still "in progress".
        if last is not None:
            await send(last)


async def _replay(
    send: Send, existing: dict[str, Any], request_hash: str, cipher: FieldCipher
) -> None:
    if existing["request_hash"] != request_hash:
        await _send_error(
            send, Conflict("This Idempotency-Key was used with a different request body.")
        )
    elif existing["status_code"] is None:
        await _send_error(send, Conflict("A request with this Idempotency-Key is in progress."))
    elif existing["response_body"] is None:
        await _send_error(
            send,
            Conflict("This request already succeeded; its response showed a secret only once."),
        )
    else:
        stored = existing["response_body"]
        # (A record stored before bodies were encrypted is replayed as it is.)
        body = (cipher.decrypt(stored) or stored).encode()
        await _send_body(send, int(existing["status_code"]), body, replayed=True)


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope.get("headers", []):
        if header.lower() == name:
            return value.decode("latin-1").strip()
    return None
