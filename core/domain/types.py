"""Constrained field types shared by the request schemas of every domain area."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=40)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
# Money in minor units: positive, and at most 10^13 (a hundred billion in major units).
Amount = Annotated[int, msgspec.Meta(gt=0, le=10_000_000_000_000)]
Attributes = dict[Annotated[str, msgspec.Meta(max_length=100)], Any]
# An instant: a time with an offset (a naive time is ambiguous and refused).
Instant = Annotated[datetime.datetime, msgspec.Meta(tz=True)]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused rather than silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """Base of response bodies."""
