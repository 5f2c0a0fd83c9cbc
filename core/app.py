"""The Litestar application factory.

The core does not know the tenants package, the CLI or any plugin: the composition
root (`cli.asgi`) hands it the extra route handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from core import db
from core.auth import CredentialMiddleware, access_guard, tenant_of
from core.crypto import FieldCipher
from core.domain.types import BoundedTimeSchema, decode_bounded, is_bounded_time
from core.errors import EXCEPTION_HANDLERS, problem
from core.idempotency import IdempotencyMiddleware
from core.jobs.service import JobService
from core.limits import BodyLimitMiddleware, PatronRequest
from core.plugins.controller import PluginController, plugin_routers
from core.plugins.host import PluginHost
from core.plugins.schedule_routes import PluginScheduleController
from core.routes import CORE_ROUTES
from core.settings import Settings

PUBLIC_PATHS = ["^/health$", "^/schema"]
MAX_BODY_BYTES = 5 * 1024 * 1024

log = logging.getLogger("patron")


@get("/health", opt={"exclude_from_auth": True}, include_in_schema=False)
async def health() -> Any:
    if await db.ping():
        return {"status": "ok"}
    return problem(503, "Database unreachable", "The process cannot reach its database.")


def create_app(
    settings: Settings, host: PluginHost, route_handlers: Sequence[Any] = (), **config: Any
) -> Litestar:
    """The API: core routes, `route_handlers` from the composition root, and the routes of
    every loaded plugin (mounted once; 404 for tenants that have not enabled them)."""
    cipher = FieldCipher(settings.secret_key)
    jobs = JobService(settings, host)

    def provide_cipher() -> FieldCipher:
        return cipher

    def provide_host() -> PluginHost:
        return host

    return Litestar(
        route_handlers=[
            health,
            *CORE_ROUTES,
            PluginController,
            PluginScheduleController,
            *plugin_routers(host),
            *route_handlers,
        ],
        on_startup=[db.start, jobs.start],
        on_shutdown=[jobs.stop, db.stop],
        middleware=[
            # First: nothing after it reads a body over the limit.
            BodyLimitMiddleware(),
            DefineMiddleware(
                CredentialMiddleware,
                operator_token=settings.operator_token,
                enabled=host.enabled,
                exclude=PUBLIC_PATHS,
            ),
            IdempotencyMiddleware(cipher, settings.secret_key),
        ],
        guards=[access_guard],
        dependencies={
            "ctx": Provide(tenant_of, sync_to_thread=False),
            "cipher": Provide(provide_cipher, sync_to_thread=False),
            "host": Provide(provide_host, sync_to_thread=False),
        },
        # Handlers typed for our exception classes; Litestar's mapping wants the base type.
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=MAX_BODY_BYTES,
        request_class=PatronRequest,
        # Bounded times (`Instant`, `Day`) in bodies and query parameters, and in OpenAPI.
        type_decoders=[(is_bounded_time, decode_bounded)],
        plugins=[BoundedTimeSchema()],
        openapi_config=OpenAPIConfig(
            title="Patron",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(path="/")],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"bearer": []}],
        ),
        state=State(
            {"settings": settings, "host": host, "jobs": jobs, "cipher": cipher}, deep_copy=False
        ),
        debug=False,
        **config,
    )
