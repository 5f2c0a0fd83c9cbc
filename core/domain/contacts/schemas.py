"""Request and response shapes of contacts (api.md §4)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from msgspec import UNSET, UnsetType

from core.domain.types import Email, Input, Name, Output, Phone, ShortText


class ContactCreate(Input, kw_only=True):
    name: Name
    relation: ShortText | None = None
    phone: Phone | None = None
    email: Email | None = None
    messaging_id: ShortText | None = None
    is_primary: bool = False


class ContactUpdate(Input, kw_only=True):
    """Every field optional; `null` clears an optional field."""

    name: Name | UnsetType = UNSET
    relation: ShortText | None | UnsetType = UNSET
    phone: Phone | None | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    messaging_id: ShortText | None | UnsetType = UNSET
    is_primary: bool | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            field: value
            for field in self.__struct_fields__
            if (value := getattr(self, field)) is not UNSET
        }


class Contact(Output, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    relation: str | None
    phone: str | None
    email: str | None
    messaging_id: str | None
    is_primary: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
