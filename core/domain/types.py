"""Constrained field types shared by the request schemas of every domain area."""

from __future__ import annotations

import calendar
import datetime
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import Parameter
from litestar.plugins import OpenAPISchemaPlugin

from core.errors import InvalidInput

# Text never holds NUL (PostgreSQL cannot store it); names hold at least one visible character.
PLAIN = r"^[^\x00]*$"
VISIBLE = r"^[^\x00]*[^\x00\s][^\x00]*$"


def text_meta(max_length: int, *, required: bool = False) -> msgspec.Meta:
    """The constraint of a string of at most `max_length` characters; `required`: not blank.
    Written into explicit aliases (`Annotated[str, text_meta(...)]`) so type checkers see `str`."""
    return msgspec.Meta(
        min_length=1 if required else 0,
        max_length=max_length,
        pattern=VISIBLE if required else PLAIN,
    )


def text(max_length: int, *, required: bool = False) -> Any:
    """A string of at most `max_length` characters; `required`: not blank.
    Kept for existing callers; prefer an explicit `Annotated[str, text_meta(...)]` alias,
    which a type checker can see through (this returns `Any`)."""
    return Annotated[str, text_meta(max_length, required=required)]


Name = Annotated[str, text_meta(200, required=True)]
ShortText = Annotated[str, text_meta(200)]
Text = Annotated[str, text_meta(4000)]
Tag = Annotated[str, text_meta(50, required=True)]
# Checked and normalised by the service (core.contactinfo), which names the field on error.
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=40, pattern=PLAIN)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=PLAIN)]
# Query-string filters (Litestar enforces `Parameter` constraints on query parameters).
# (The constraint must wrap the whole optional type for Litestar to apply it.)
OptionalQueryText = Annotated[str | None, Parameter(max_length=200, pattern=PLAIN)]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
# Money in minor units: positive, and at most 10^13 (a hundred billion in major units).
Amount = Annotated[int, msgspec.Meta(gt=0, le=10_000_000_000_000)]
AttributeKey = Annotated[str, text_meta(100)]
Attributes = dict[AttributeKey, Any]

# -- bounded times ------------------------------------------------------------------------
# Every time and date a client sends is one of the two types below. The calendar's edges
# are kept out (years 2 to 9998): a time at 0001-01-01T00:00+01:00 or 9999-12-31T23:59-01:00
# is valid on its own but overflows as soon as it is moved to UTC or a day is added.
MIN_YEAR, MAX_YEAR = 2, 9998


class Instant(datetime.datetime):
    """An instant from a client: RFC 3339 with an offset (a naive time is ambiguous and
    refused), or a Unix time, in years 2–9998. Decoded by `decode_bounded` (the app's type
    decoder), published in OpenAPI as `date-time`; handlers get a `datetime`."""


class Day(datetime.date):
    """A calendar date from a client (`YYYY-MM-DD`), in years 2–9998."""


def _bounded_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")


def to_instant(value: Any) -> Instant:
    """An `Instant`, or ValueError/TypeError (which msgspec reports with the field path)."""
    if isinstance(value, bool):
        raise TypeError("Expected a time (RFC 3339 with an offset)")
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("Invalid RFC 3339 encoded datetime") from None
    elif isinstance(value, int | float):
        if not -62_000_000_000 < value < 253_000_000_000:  # about years 5 and 9987
            raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
        moment = datetime.datetime.fromtimestamp(value, datetime.UTC)
    else:
        raise TypeError("Expected a time (RFC 3339 with an offset)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time zone offset is required (e.g. 2025-01-31T09:00:00+08:00)")
    _bounded_year(moment.year)
    try:
        _bounded_year(moment.astimezone(datetime.UTC).year)
    except OverflowError:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}") from None
    return Instant(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        moment.tzinfo,
        fold=moment.fold,
    )


def to_day(value: Any) -> Day:
    if isinstance(value, datetime.datetime):
        raise TypeError("Expected a date (YYYY-MM-DD)")
    if isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str):
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("Invalid date (YYYY-MM-DD)") from None
    else:
        raise TypeError("Expected a date (YYYY-MM-DD)")
    _bounded_year(day.year)
    return Day(day.year, day.month, day.day)


def is_bounded_time(kind: Any) -> bool:
    return kind is Instant or kind is Day


def decode_bounded(kind: Any, value: Any) -> Any:
    """The type decoder of `Instant` and `Day` (msgspec's `dec_hook`)."""
    if kind is Instant:
        return to_instant(value)
    if kind is Day:
        return to_day(value)
    raise NotImplementedError(f"no decoder for {kind!r}")


class BoundedTimeSchema(OpenAPISchemaPlugin):
    """`Instant` and `Day` in OpenAPI: `date-time` and `date` strings."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return is_bounded_time(value)

    def to_openapi_schema(self, field_definition: Any, schema_creator: Any) -> Schema:
        if field_definition.annotation is Day:
            return Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.DATE,
                description=f"A date, years {MIN_YEAR}–{MAX_YEAR}.",
            )
        return Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.DATE_TIME,
            description=f"RFC 3339 with an offset, years {MIN_YEAR}–{MAX_YEAR}.",
        )


def convert(value: Any, kind: type[Any], **options: Any) -> Any:
    """`msgspec.convert` that knows the bounded time types (for bodies built in code)."""
    return msgspec.convert(value, kind, dec_hook=decode_bounded, **options)


def plain(value: Any) -> Any:
    """A bounded time or date as the plain `datetime`/`date` the rest of the code (msgspec
    encoding, database drivers) knows; anything else unchanged."""
    kind = type(value)
    if kind is Instant:
        return datetime.datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
        )
    if kind is Day:
        return datetime.date(value.year, value.month, value.day)
    return value


# A wall-clock time in the tenant's zone, "HH:MM" (e.g. when greetings go out).
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# A day of every year, "MM-DD" (checked to exist: "02-31" is refused by `core.occasions`).
MonthDay = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}-[0-9]{2}$")]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused rather than silently dropped.
    Bounded times arrive as plain `datetime`/`date` values."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if type(value) is Instant or type(value) is Day:
                setattr(self, name, plain(value))


class Output(msgspec.Struct, kw_only=True):
    """Base of response bodies."""


def month_bounds(month: str, field: str = "month") -> tuple[datetime.date, datetime.date]:
    """The first and last day of a month given as `YYYY-MM` ("2026-02" → 1 and 28 February);
    anything else is a 422 naming `field`."""
    try:
        first = datetime.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidInput([(field, "a month as YYYY-MM")]) from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
