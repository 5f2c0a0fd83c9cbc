"""Staff members and their API keys.

A key is 32 random bytes shown once and stored as a SHA-256 hash. Nobody can grant a
role above their own, nor mint a key for someone who outranks them.
"""

from __future__ import annotations

import uuid
from typing import Any

from core import db
from core.auth import credentials_changed
from core.contactinfo import ContactInfoError, normalize_email
from core.crypto import hash_api_key, new_api_key
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.pagination import Cursor, Page
from core.tenancy.context import Role, TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import ApiKey
from core.tenancy.users import UserRepository
from tenants.schemas import ApiKeyCreated, ApiKeyOut, UserCreate, UserOut


class ApiKeyRepository(TenantRepository[ApiKey]):
    table = ApiKey


def user_view(row: dict[str, Any]) -> UserOut:
    return UserOut(**{field: row[field] for field in UserOut.__struct_fields__})


def key_view(row: dict[str, Any]) -> ApiKeyOut:
    return ApiKeyOut(**{field: row[field] for field in ApiKeyOut.__struct_fields__})


async def issue_key(tenant_id: uuid.UUID, user_id: uuid.UUID, label: str) -> ApiKeyCreated:
    """Mint a key inside the caller's transaction."""
    key = new_api_key()
    row = await ApiKeyRepository(tenant_id).insert(
        user_id=user_id,
        label=label,
        key_hash=hash_api_key(key),
        prefix=key[:12],
        created_at=utcnow(),
    )
    return ApiKeyCreated(
        id=row["id"],
        key=key,
        label=label,
        prefix=row["prefix"],
        user_id=user_id,
        created_at=row["created_at"],
    )


class StaffService:
    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.users = UserRepository(ctx.tenant_id)
        self.keys = ApiKeyRepository(ctx.tenant_id)

    async def create_user(self, data: UserCreate) -> UserOut:
        role = Role.parse(str(data.role))
        if role > self.ctx.role:
            raise Forbidden(f"You cannot grant the role {role.name}, above your own.")
        try:
            email = normalize_email(data.email)
        except ContactInfoError as exc:
            raise InvalidInput([("email", str(exc))]) from None
        async with db.tenant_transaction(self.ctx.tenant_id, write=True):
            if await self.users.by_email(email):
                raise Conflict(f"A user with the e-mail {email} exists.")
            row = await self.users.insert(
                name=data.name, email=email, role=role.name, created_at=utcnow()
            )
        return user_view(row)

    async def list_users(self, limit: int, cursor: str | None) -> Page[UserOut]:
        async with db.tenant_transaction(self.ctx.tenant_id):
            page = await self.users.page(limit=limit, cursor=Cursor.decode(cursor))
        return page.map(user_view)

    async def get_user(self, user_id: uuid.UUID | None) -> UserOut:
        async with db.tenant_transaction(self.ctx.tenant_id):
            row = await self.users.get(user_id)
        if row is None:
            raise NotFound("No such user.")
        return user_view(row)

    async def create_key(self, user_id: uuid.UUID | None, label: str) -> ApiKeyCreated:
        async with db.tenant_transaction(self.ctx.tenant_id, write=True):
            user = await self.users.get(user_id)
            if user is None:
                raise NotFound("No such user.")
            self._may_manage_keys_of(user)
            return await issue_key(self.ctx.tenant_id, user["id"], label)

    async def list_keys(self, user_id: uuid.UUID | None) -> list[ApiKeyOut]:
        async with db.tenant_transaction(self.ctx.tenant_id):
            user = await self.users.get(user_id)
            if user is None:
                raise NotFound("No such user.")
            self._may_manage_keys_of(user)
            rows = await self.keys.select().where(ApiKey.user_id == user["id"]).order_by(ApiKey.id)
        return [key_view(row) for row in rows]

    async def revoke_key(self, key_id: uuid.UUID | None) -> None:
        async with db.tenant_transaction(self.ctx.tenant_id, write=True):
            key = await self.keys.get(key_id, ApiKey.revoked_at.is_null())
            if key is None:
                raise NotFound("No such API key.")
            user = await self.users.get(key["user_id"])
            if user is not None:
                self._may_manage_keys_of(user)
            elif not self.ctx.at_least(Role.admin):
                # A key whose staff member is gone is nobody's own: admins clean those up.
                raise Forbidden("Only an admin may revoke a key whose user no longer exists.")
            await self.keys.update(key["id"], {"revoked_at": utcnow()})
            credentials_changed(self.ctx.tenant_id)

    def _may_manage_keys_of(self, user: dict[str, Any]) -> None:
        """Admins manage keys of anyone not above them; everyone manages their own."""
        if user["id"] == self.ctx.user_id:
            return
        if not self.ctx.at_least(Role.admin) or Role.parse(user["role"]) > self.ctx.role:
            raise Forbidden("You may manage only your own keys, or, as an admin, your staff's.")
