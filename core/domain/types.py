"""Constrained field types shared by the request schemas of every domain area."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from litestar.params import Parameter

# Text never holds NUL (PostgreSQL cannot store it); names hold at least one visible character.
PLAIN = r"^[^\x00]*$"
VISIBLE = r"^[^\x00]*[^\x00\s][^\x00]*$"


def text(max_length: int, *, required: bool = False) -> Any:
    """A string of at most `max_length` characters; `required`: not blank."""
    return Annotated[
        str,
        msgspec.Meta(
            min_length=1 if required else 0,
            max_length=max_length,
            pattern=VISIBLE if required else PLAIN,
        ),
    ]


Name = text(200, required=True)
ShortText = text(200)
Text = text(4000)
Tag = text(50, required=True)
# Checked and normalised by the service (core.contactinfo), which names the field on error.
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=40, pattern=PLAIN)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=PLAIN)]
# Query-string filters (Litestar enforces `Parameter` constraints on query parameters).
# (The constraint must wrap the whole optional type for Litestar to apply it.)
OptionalQueryText = Annotated[str | None, Parameter(max_length=200, pattern=PLAIN)]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
# Money in minor units: positive, and at most 10^13 (a hundred billion in major units).
Amount = Annotated[int, msgspec.Meta(gt=0, le=10_000_000_000_000)]
Attributes = dict[text(100), Any]
# An instant: a time with an offset (a naive time is ambiguous and refused).
Instant = Annotated[datetime.datetime, msgspec.Meta(tz=True)]
# A wall-clock time in the tenant's zone, "HH:MM" (e.g. when greetings go out).
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# A day of every year, "MM-DD" (checked to exist: "02-31" is refused by `core.occasions`).
MonthDay = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}-[0-9]{2}$")]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused rather than silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """Base of response bodies."""
