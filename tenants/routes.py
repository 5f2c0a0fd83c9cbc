"""HTTP: signup, the operator's platform endpoints, the tenant itself, staff and keys."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Router, delete, get, patch, post
from litestar.di import Provide

from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.plugins.host import PluginHost
from core.ratelimit import FixedWindowLimit, RateLimitMiddleware
from core.settings import Settings
from core.tenancy.context import Role, TenantContext, TenantStatus
from tenants import provisioning
from tenants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    SignupIn,
    SignupOut,
    TenantOut,
    TenantPatch,
    UserCreate,
    UserOut,
)
from tenants.staff import StaffService


@post(
    "/api/v1/signup",
    operation_id="signUp",
    tags=["platform"],
    opt={"exclude_from_auth": True},
    security=[],
)
async def sign_up(data: SignupIn, host: PluginHost) -> SignupOut:
    """Public: an institution signs up and receives its owner API key (shown once)."""
    return await provisioning.create_tenant(data, host)


class PlatformTenantController(Controller):
    """The platform operator's view of tenants (operator token only)."""

    path = "/api/v1/platform/tenants"
    tags = ["platform"]

    @post(operation_id="platformCreateTenant")
    async def create(self, data: SignupIn, host: PluginHost) -> SignupOut:
        return await provisioning.create_tenant(data, host)

    @get(operation_id="platformListTenants")
    async def list(
        self, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[TenantOut]:
        return await provisioning.list_tenants(limit, cursor)

    @get("/{tenant_id:str}", operation_id="platformGetTenant")
    async def read(self, tenant_id: str) -> TenantOut:
        return await provisioning.get_tenant(parse_id(tenant_id))

    @post("/{tenant_id:str}/suspend", operation_id="platformSuspendTenant", status_code=200)
    async def suspend(self, tenant_id: str) -> TenantOut:
        return await provisioning.set_status(parse_id(tenant_id), TenantStatus.suspended)

    @post("/{tenant_id:str}/resume", operation_id="platformResumeTenant", status_code=200)
    async def resume(self, tenant_id: str) -> TenantOut:
        return await provisioning.set_status(parse_id(tenant_id), TenantStatus.active)


@get("/api/v1/tenant", operation_id="getTenant", tags=["tenant"])
async def get_tenant(ctx: TenantContext) -> TenantOut:
    return await provisioning.get_tenant(ctx.tenant_id)


@patch("/api/v1/tenant", operation_id="updateTenant", tags=["tenant"], opt={"min_role": Role.admin})
async def update_tenant(ctx: TenantContext, data: TenantPatch) -> TenantOut:
    return await provisioning.update_tenant(ctx.tenant_id, data)


def staff_service(ctx: TenantContext) -> StaffService:
    return StaffService(ctx)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["staff"]
    dependencies = {"staff": Provide(staff_service, sync_to_thread=False)}

    @post(operation_id="createUser", opt={"min_role": Role.admin})
    async def create(self, staff: StaffService, data: UserCreate) -> UserOut:
        return await staff.create_user(data)

    @get(operation_id="listUsers")
    async def list(
        self, staff: StaffService, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[UserOut]:
        return await staff.list_users(limit, cursor)

    @get("/{user_id:str}", operation_id="getUser")
    async def read(self, staff: StaffService, user_id: str) -> UserOut:
        return await staff.get_user(parse_id(user_id))

    @post(
        "/{user_id:str}/api-keys",
        operation_id="createApiKey",
        opt={"min_role": Role.viewer, "shows_secret": True},
    )
    async def create_key(
        self, staff: StaffService, user_id: str, data: ApiKeyCreate
    ) -> ApiKeyCreated:
        """Mint a key for a user; the key is in this response only."""
        return await staff.create_key(parse_id(user_id), data.label)

    @get("/{user_id:str}/api-keys", operation_id="listApiKeys")
    async def list_keys(self, staff: StaffService, user_id: str) -> list[ApiKeyOut]:
        return await staff.list_keys(parse_id(user_id))


@delete(
    "/api/v1/api-keys/{api_key_id:str}",
    operation_id="revokeApiKey",
    tags=["staff"],
    # A suspended tenant can still revoke a leaked key.
    opt={"min_role": Role.viewer, "allowed_when_read_only": True},
    dependencies={"staff": Provide(staff_service, sync_to_thread=False)},
)
async def revoke_api_key(staff: StaffService, api_key_id: str) -> None:
    """Revoke a key: from now on it gets 401. Allowed while the tenant is suspended."""
    await staff.revoke_key(parse_id(api_key_id))


def tenant_routes(settings: Settings) -> list[Any]:
    """The routes of this package; signup is rate limited per client address, across all
    processes (the limit is counted in the jobs' Redis)."""
    signup_limit = FixedWindowLimit("signup", settings.signup_rate_per_minute)
    return [
        Router("/", route_handlers=[sign_up], middleware=[RateLimitMiddleware(signup_limit)]),
        PlatformTenantController,
        get_tenant,
        update_tenant,
        UserController,
        revoke_api_key,
    ]
