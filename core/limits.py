"""Limits on what a request may make the server hold: the body size and the JSON depth.

- `BodyLimitMiddleware` runs first, before anything reads the body: a `Content-Length`
  over the route's limit is a 413 before a byte is read, and the bytes actually streamed
  are counted, so a chunked body over the limit is a 413 as soon as it passes the limit.
  Everything behind it (the idempotency middleware, Litestar's own reading) only ever
  sees a body within the limit.
- `PatronRequest.json` refuses JSON nested deeper than `MAX_JSON_DEPTH` before decoding
  (a 1,000-deep array makes the decoder raise `RecursionError`, and deep values would
  reach code that walks them recursively). It is the request class of the app, so every
  JSON body is checked, the public signup's included.
"""

from __future__ import annotations

import math
import re
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class BodyTooLarge(HTTPException):
    status_code = 413


def body_limit(scope: Scope) -> float:
    handler = scope.get("route_handler")
    try:
        limit = handler.resolve_request_max_body_size()  # type: ignore[union-attr]
    except AttributeError:
        limit = None
    return limit or math.inf


class BodyLimitMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        limit = body_limit(scope)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise ClientException(f"Invalid Content-Length: {declared!r}") from None
            if size > limit:
                raise BodyTooLarge(detail=f"The body is over the limit of {int(limit)} bytes.")
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(detail=f"The body is over the limit of {int(limit)} bytes.")
            return message

        await next_app(scope, counted, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope.get("headers", []):
        if header.lower() == name:
            return str(value.decode("latin-1"))
    return None


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects more than `limit` deep (strings,
    which may hold brackets, are skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", body)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class PatronRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        body = await self.body()
        if json_depth_exceeds(body):
            raise ClientException(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
        return await super().json()
