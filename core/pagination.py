"""Opaque keyset cursors and the list envelope `{"items": [...], "next_cursor": ...}`."""

from __future__ import annotations

import base64
import datetime
import decimal
import uuid
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import Parameter

from core.domain.types import plain, to_instant
from core.errors import InvalidInput
from core.tenancy.rows import aware

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

# Litestar enforces `Parameter` constraints on query parameters (not `msgspec.Meta`).
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT)]

T = TypeVar("T")


# How a cursor's key is written, by type (datetime before date: it is a date subclass).
_KEY_TAGS: tuple[tuple[str, type], ...] = (
    ("t", datetime.datetime),
    ("d", datetime.date),
    ("b", bool),
    ("i", int),
    ("f", float),
    ("n", decimal.Decimal),
    ("u", uuid.UUID),
    ("s", str),
)
_READ_KEY = {
    "t": datetime.datetime.fromisoformat,
    "d": datetime.date.fromisoformat,
    "b": bool,
    "i": int,
    "f": float,
    "n": decimal.Decimal,
    "u": uuid.UUID,
    "s": str,
}


class Cursor(msgspec.Struct, frozen=True):
    """Where a keyset page ended: the last row's id and its order key (None when the order
    is the id itself). The key may be any orderable column value: datetime, date, int,
    float, Decimal, bool, UUID or text; the token keeps its type."""

    last_id: uuid.UUID
    last_key: Any = None

    def encode(self) -> str:
        raw = [str(self.last_id)]
        if self.last_key is not None:
            tag = next((t for t, kind in _KEY_TAGS if isinstance(self.last_key, kind)), None)
            if tag is None:
                raise TypeError(f"a cursor key cannot be a {type(self.last_key).__name__}")
            value = self.last_key
            if tag == "t":
                value = aware(value)
            raw += [
                tag,
                value.isoformat() if tag in "td" else value if tag in "bif" else str(value),
            ]
        return base64.urlsafe_b64encode(msgspec.json.encode(raw)).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            parts = msgspec.json.decode(raw, type=list[str | int | float | bool | None])
            last_id = uuid.UUID(str(parts[0]))
            if len(parts) == 1 or parts[1:] == [None]:
                return cls(last_id)
            if len(parts) == 2:  # written before keys were typed: a time
                return cls(last_id, plain(to_instant(str(parts[1]))))
            tag, value = parts[1:]
            if not isinstance(tag, str) or tag not in _READ_KEY:
                raise ValueError(tag)
            # The readers' signatures differ (mypy joins them to `object`); a value of the wrong
            # JSON type raises TypeError, answered below.
            key = _READ_KEY[tag](value)  # type: ignore[operator]
            if tag == "t":
                key = plain(to_instant(key))  # aware, years 2–9998: as this list writes them
            return cls(last_id, key)
        except (
            ValueError,
            TypeError,
            OverflowError,
            IndexError,
            decimal.InvalidOperation,
            msgspec.DecodeError,
            msgspec.ValidationError,
        ):
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
