"""Opaque keyset cursors and the list envelope `{"items": [...], "next_cursor": ...}`."""

from __future__ import annotations

import base64
import datetime
import uuid
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import Parameter

from core.domain.types import to_instant
from core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

# Litestar enforces `Parameter` constraints on query parameters (not `msgspec.Meta`).
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT)]

T = TypeVar("T")


class Cursor(msgspec.Struct, frozen=True, array_like=True):
    last_id: uuid.UUID
    last_key: datetime.datetime | None = None

    def encode(self) -> str:
        key = self.last_key
        if key is not None and key.tzinfo is None:  # SQLite may hand back naive UTC
            return Cursor(self.last_id, key.replace(tzinfo=datetime.UTC)).encode()
        return base64.urlsafe_b64encode(msgspec.json.encode(self)).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            cursor = msgspec.json.decode(raw, type=cls)
            if cursor.last_key is not None:
                to_instant(cursor.last_key)  # aware, years 2–9998: as this list writes them
            return cursor
        except (ValueError, TypeError, OverflowError, msgspec.DecodeError, msgspec.ValidationError):
            raise InvalidInput([("cursor", "not a cursor returned by this list")]) from None


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], limit: int, order_key: str) -> Page[dict]:
        if len(rows) <= limit:
            return Page(items=rows, next_cursor=None)
        last = rows[limit - 1]
        key = last[order_key] if order_key != "id" else None
        return Page(items=rows[:limit], next_cursor=Cursor(last["id"], key).encode())

    def map(self, fn: Any) -> Page[Any]:
        return Page(items=[fn(item) for item in self.items], next_cursor=self.next_cursor)
