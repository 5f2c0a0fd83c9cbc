"""HTTP: customers and their consent records (api.md §4)."""

from __future__ import annotations

import builtins

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide

from core.auth import tenant_of
from core.domain.customers import schemas
from core.domain.customers.service import CustomerService
from core.domain.types import OptionalQueryText
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import Role


def customer_service(request: Request) -> CustomerService:
    # One dependency rather than `ctx`, `cipher` and `host`: Litestar resolves the
    # dependencies of one level in an anyio task group, three tasks on every request.
    state = request.app.state
    return CustomerService(tenant_of(request), state["cipher"], state["host"])


class CustomerController(Controller):
    path = "/api/v1/customers"
    tags = ["customers"]
    dependencies = {"service": Provide(customer_service, sync_to_thread=False)}

    @post(operation_id="createCustomer")
    async def create(
        self, service: CustomerService, data: schemas.CustomerCreate
    ) -> schemas.Customer:
        return await service.create(data)

    @get(operation_id="listCustomers")
    async def list(
        self,
        service: CustomerService,
        request: Request,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
        q: OptionalQueryText = None,
        tag: OptionalQueryText = None,
        owner_id: str | None = None,
    ) -> Page[schemas.Customer]:
        """Filter by `q` (name, phone digits, e-mail), `tag`, `owner_id`, and by enabled
        plugins' filters named `<plugin>.<key>` (e.g. `education.tier=key`)."""
        owner = parse_id(owner_id) if owner_id else None
        if owner_id and owner is None:
            return Page(items=[], next_cursor=None)
        plugin_filters = {k: v for k, v in request.query_params.items() if "." in k}
        return await service.list(
            limit=limit, cursor=cursor, q=q, tag=tag, owner_id=owner, plugin_filters=plugin_filters
        )

    @get("/{customer_id:str}", operation_id="getCustomer")
    async def read(self, service: CustomerService, customer_id: str) -> schemas.Customer:
        return await service.get(parse_id(customer_id))

    @patch("/{customer_id:str}", operation_id="updateCustomer")
    async def update(
        self, service: CustomerService, customer_id: str, data: schemas.CustomerUpdate
    ) -> schemas.Customer:
        return await service.update(parse_id(customer_id), data)

    @delete("/{customer_id:str}", operation_id="deleteCustomer")
    async def delete(self, service: CustomerService, customer_id: str) -> None:
        """Soft delete: the customer answers 404 until an admin restores it."""
        await service.delete(parse_id(customer_id))

    @post(
        "/{customer_id:str}/restore",
        operation_id="restoreCustomer",
        opt={"min_role": Role.admin},
        status_code=200,
    )
    async def restore(self, service: CustomerService, customer_id: str) -> schemas.Customer:
        return await service.restore(parse_id(customer_id))

    @post("/{customer_id:str}/consents", operation_id="grantConsent")
    async def grant_consent(
        self, service: CustomerService, customer_id: str, data: schemas.ConsentCreate
    ) -> schemas.Consent:
        return await service.grant_consent(parse_id(customer_id), data)

    @get("/{customer_id:str}/consents", operation_id="listConsents")
    async def list_consents(
        self, service: CustomerService, customer_id: str
    ) -> builtins.list[schemas.Consent]:
        return await service.list_consents(parse_id(customer_id))

    @post(
        "/{customer_id:str}/consents/{consent_id:str}/withdraw",
        operation_id="withdrawConsent",
        status_code=200,
    )
    async def withdraw_consent(
        self, service: CustomerService, customer_id: str, consent_id: str
    ) -> schemas.Consent:
        return await service.withdraw_consent(parse_id(customer_id), parse_id(consent_id))
