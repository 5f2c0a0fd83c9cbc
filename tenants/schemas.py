"""Request and response shapes of signup, tenants, staff and API keys (api.md §3)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from core.domain.types import Currency, Email, Input, Name, Output, ShortText
from core.tenancy.context import Role

Slug = Annotated[str, msgspec.Meta(pattern="^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern="^[A-Za-z0-9_+/-]+$")]
Locale = Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)]
Country = Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")]
RoleName = enum.StrEnum("RoleName", {role.name: role.name for role in Role})  # type: ignore[misc]


class Plan(enum.StrEnum):
    free = "free"
    pro = "pro"
    enterprise = "enterprise"


class SignupIn(Input, kw_only=True):
    name: Name
    slug: Slug
    admin_email: Email
    admin_name: Name | None = None
    plan: Plan = Plan.free
    preset: ShortText | None = None
    timezone: TimeZone | None = None
    currency: Currency | None = None
    locale: Locale | None = None
    country: Country | None = None


class TenantOut(Output, kw_only=True):
    id: uuid.UUID
    name: str
    slug: str
    status: str
    plan: str
    timezone: str
    currency: str
    locale: str
    country: str
    # api.md §4: "opt_in" (marketing needs an active consent) or "opt_out".
    marketing_consent: str
    created_at: datetime.datetime


class SignupOut(Output, kw_only=True):
    tenant: TenantOut
    api_key: str


class TenantPatch(Input, kw_only=True):
    name: Name | UnsetType = UNSET
    timezone: TimeZone | UnsetType = UNSET
    currency: Currency | UnsetType = UNSET
    locale: Locale | UnsetType = UNSET
    country: Country | UnsetType = UNSET
    marketing_consent: Literal["opt_in", "opt_out"] | UnsetType = UNSET


class UserCreate(Input, kw_only=True):
    name: Name
    email: Email
    role: RoleName  # type: ignore[valid-type]


class UserOut(Output, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    role: str
    created_at: datetime.datetime


class ApiKeyCreate(Input, kw_only=True):
    label: Name = "default"


class ApiKeyCreated(Output, kw_only=True):
    """The only time the key itself is shown; it is stored hashed."""

    id: uuid.UUID
    key: str
    label: str
    prefix: str
    user_id: uuid.UUID
    created_at: datetime.datetime


class ApiKeyOut(Output, kw_only=True):
    id: uuid.UUID
    label: str
    prefix: str
    user_id: uuid.UUID
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
