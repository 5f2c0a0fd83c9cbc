"""Request and response shapes of customers (api.md §4)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from core.domain.types import (
    Attributes,
    Day,
    Email,
    Input,
    Instant,
    Name,
    Output,
    Phone,
    ShortText,
    Tag,
    Text,
)

# Letters, digits and dashes: a masked value ("110101****1234") is not an ID number.
IdNumber = Annotated[
    str, msgspec.Meta(min_length=4, max_length=40, pattern="^[0-9A-Za-z][0-9A-Za-z -]*$")
]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=50)]


class CustomerKind(enum.StrEnum):
    person = "person"
    organization = "organization"


class Gender(enum.StrEnum):
    male = "male"
    female = "female"
    other = "other"


class ProvenanceIn(Input, kw_only=True):
    """How the information was collected; defaults: now, the `source`, the caller."""

    channel: ShortText | None = None
    collected_at: Instant | None = None
    collected_by: uuid.UUID | None = None


class CustomerCreate(Input, kw_only=True):
    kind: CustomerKind = CustomerKind.person
    name: Name
    phone: Phone | None = None
    email: Email | None = None
    gender: Gender | None = None
    birthday: Day | None = None
    address: Text | None = None
    region: ShortText | None = None
    id_number: IdNumber | None = None
    education: ShortText | None = None
    source: ShortText | None = None
    owner_id: uuid.UUID | None = None
    tags: Tags = msgspec.field(default_factory=list)
    attributes: Attributes = msgspec.field(default_factory=dict)
    referred_by_id: uuid.UUID | None = None
    provenance: ProvenanceIn | None = None


class CustomerUpdate(Input, kw_only=True):
    """Every field optional; `null` clears an optional field."""

    kind: CustomerKind | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    phone: Phone | None | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    gender: Gender | None | UnsetType = UNSET
    birthday: Day | None | UnsetType = UNSET
    address: Text | None | UnsetType = UNSET
    region: ShortText | None | UnsetType = UNSET
    id_number: IdNumber | None | UnsetType = UNSET
    education: ShortText | None | UnsetType = UNSET
    source: ShortText | None | UnsetType = UNSET
    owner_id: uuid.UUID | None | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    attributes: Attributes | UnsetType = UNSET
    referred_by_id: uuid.UUID | None | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            field: value
            for field in self.__struct_fields__
            if (value := getattr(self, field)) is not UNSET
        }


class Provenance(Output, kw_only=True):
    collected_at: datetime.datetime
    channel: str | None
    collected_by: uuid.UUID | None


class Customer(Output, kw_only=True):
    id: uuid.UUID
    kind: str
    name: str
    phone: str | None
    email: str | None
    gender: str | None
    birthday: datetime.date | None
    address: str | None
    region: str | None
    id_number: str | None
    education: str | None
    source: str | None
    owner_id: uuid.UUID | None
    referred_by_id: uuid.UUID | None
    tags: list[str]
    attributes: dict[str, Any]
    provenance: Provenance
    created_at: datetime.datetime
    updated_at: datetime.datetime
    plugins: dict[str, Any] | UnsetType = UNSET


class ConsentCreate(Input, kw_only=True):
    purpose: Name
    channel: ShortText | None = None


class Consent(Output, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    purpose: str
    granted_at: datetime.datetime
    granted_via: str | None
    recorded_by: uuid.UUID | None
    withdrawn_at: datetime.datetime | None
    active: bool
