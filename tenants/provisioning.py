"""Tenant lifecycle on the platform: signup, listing, suspension."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from msgspec import UNSET

from core import db
from core.auth import credentials_changed
from core.contactinfo import ContactInfoError, normalize_email
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import uuid7
from core.money import check_currency
from core.pagination import Cursor, Page
from core.plugins.host import PluginHost
from core.plugins.service import PluginService
from core.tenancy.context import Role, TenantContext, TenantStatus
from core.tenancy.repository import utcnow
from core.tenancy.tables import Tenant, User
from core.tenancy.users import UserRepository
from tenants.schemas import (
    ApiKeyCreated,
    SignupIn,
    SignupOut,
    TenantOut,
    TenantPatch,
    UserCreate,
    UserOut,
)
from tenants.staff import StaffService, issue_key

# Presets name the plugin set a new tenant starts with; the plugin host applies them.
PRESETS: dict[str, tuple[str, ...]] = {
    "education": ("education", "membership", "points", "complaints", "care"),
    "broadcast": ("broadcast", "points", "complaints", "care"),
}


def tenant_view(row: dict[str, Any]) -> TenantOut:
    return TenantOut(**{field: row[field] for field in TenantOut.__struct_fields__})


def check_timezone(name: str | None, field: str = "timezone") -> None:
    if name is None:
        return
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput([(field, f"{name!r} is not an IANA time zone")]) from None


async def create_tenant(data: SignupIn, host: PluginHost | None = None) -> SignupOut:
    """Create a tenant with its owner and the owner's first key; a `preset` enables its
    plugin set (those of it that are installed)."""
    check_timezone(data.timezone)
    check_currency(data.currency)
    if data.preset is not None and data.preset not in PRESETS:
        raise InvalidInput([("preset", f"one of {', '.join(sorted(PRESETS))}")])
    try:
        admin_email = normalize_email(data.admin_email)
    except ContactInfoError as exc:
        raise InvalidInput([("admin_email", str(exc))]) from None
    tenant_id, now = uuid7(), utcnow()
    values = {
        "id": tenant_id,
        "name": data.name,
        "slug": data.slug,
        "plan": data.plan.value,
        "status": TenantStatus.active.value,
        "created_at": now,
        "updated_at": now,
        **{
            k: getattr(data, k)
            for k in ("timezone", "currency", "locale", "country")
            if getattr(data, k) is not None
        },
    }
    try:
        async with db.transaction(write=True):
            if await Tenant.exists().where(Tenant.slug == data.slug):
                raise Conflict(f"The slug {data.slug!r} is taken.")
            await Tenant.insert(Tenant(**values))
            async with db.tenant_transaction(tenant_id, write=True):
                owner = await UserRepository(tenant_id).insert(
                    name=data.admin_name or admin_email,
                    email=admin_email,
                    role=Role.owner.name,
                    created_at=now,
                )
                created = await issue_key(tenant_id, owner["id"], "owner")
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise Conflict(f"The slug {data.slug!r} is taken.") from None
        raise
    row = await Tenant.select().where(Tenant.id == tenant_id).first()
    if data.preset is not None and host is not None:
        await _apply_preset(row, PRESETS[data.preset], host)
        row = await Tenant.select().where(Tenant.id == tenant_id).first()
    return SignupOut(tenant=tenant_view(row), api_key=created.key)


async def _apply_preset(tenant: dict[str, Any], plugins: tuple[str, ...], host: PluginHost) -> None:
    service = PluginService(await owner_context(tenant), host)
    for name in plugins:
        if name in host.descriptors:
            await service.enable(name, {})


async def list_tenants(limit: int, cursor: str | None) -> Page[TenantOut]:
    after = Cursor.decode(cursor)
    query = Tenant.select().order_by(Tenant.id).limit(limit + 1)
    if after is not None:
        query = query.where(Tenant.id > after.last_id)
    async with db.transaction():
        rows = await query
    return Page.from_rows(rows, limit, "id").map(tenant_view)


async def get_tenant(tenant_id: uuid.UUID | None) -> TenantOut:
    row = None if tenant_id is None else await Tenant.select().where(Tenant.id == tenant_id).first()
    if row is None:
        raise NotFound("No such tenant.")
    return tenant_view(row)


async def set_status(tenant_id: uuid.UUID | None, status: TenantStatus) -> TenantOut:
    await get_tenant(tenant_id)
    async with db.transaction(write=True):
        await Tenant.update({Tenant.status: status.value, Tenant.updated_at: utcnow()}).where(
            Tenant.id == tenant_id
        )
        credentials_changed(tenant_id)
    return await get_tenant(tenant_id)


async def update_tenant(tenant_id: uuid.UUID, data: TenantPatch) -> TenantOut:
    changes = {k: v for k in data.__struct_fields__ if (v := getattr(data, k)) is not UNSET}
    check_timezone(changes.get("timezone"))
    check_currency(changes.get("currency"))
    if changes:
        columns = {Tenant._meta.get_column_by_name(k): v for k, v in changes.items()}
        async with db.transaction(write=True):
            await Tenant.update({**columns, Tenant.updated_at: utcnow()}).where(
                Tenant.id == tenant_id
            )
            credentials_changed(tenant_id)
    return await get_tenant(tenant_id)


# -- operator commands (CLI) ----------------------------------------------------------------
async def all_tenants() -> list[TenantOut]:
    async with db.transaction():
        rows = await Tenant.select().order_by(Tenant.id)
    return [tenant_view(row) for row in rows]


async def tenant_by_slug(slug: str) -> dict[str, Any] | None:
    async with db.transaction():
        return await Tenant.select().where(Tenant.slug == slug).first()


async def _by_slug(slug: str) -> dict[str, Any]:
    row = await tenant_by_slug(slug)
    if row is None:
        raise NotFound(f"No tenant with the slug {slug!r}.")
    return row


async def set_status_by_slug(slug: str, status: TenantStatus) -> TenantOut:
    return await set_status((await _by_slug(slug))["id"], status)


async def owner_context(tenant: dict[str, Any]) -> TenantContext:
    """Act as the tenant's first owner (operator commands run with the owner's authority)."""
    async with db.tenant_transaction(tenant["id"]):
        owner = (
            await UserRepository(tenant["id"])
            .select()
            .where(User.role == Role.owner.name)
            .order_by(User.id)
            .first()
        )
    if owner is None:
        raise NotFound(f"The tenant {tenant['slug']!r} has no owner.")
    return TenantContext.of(tenant, user_id=owner["id"], role=Role.owner)


async def create_user_by_slug(
    slug: str, name: str, email: str, role: str
) -> tuple[UserOut, ApiKeyCreated]:
    if role not in Role.__members__:
        raise InvalidInput([("role", f"one of {', '.join(Role.__members__)}")])
    staff = StaffService(await owner_context(await _by_slug(slug)))
    user = await staff.create_user(UserCreate(name=name, email=email, role=role))
    return user, await staff.create_key(user.id, "cli")
