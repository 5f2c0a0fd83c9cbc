"""The app's route table, read from its OpenAPI document, and a world of resources to aim at.

Isolation and hostile-input tests are generated from this table, so a new route is
covered as soon as it exists — and fails loudly until it has a sample body here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from core.testing.http import Tenant

# Routes outside any tenant: tested by their own suites.
NOT_TENANT_SCOPED = re.compile(r"^/api/v1/(platform/|signup$|billing/stripe/webhook$)")
PARAM = re.compile(r"\{([a-z_]+)\}")

Ids = dict[str, str]

# Path parameters that name something shared by all tenants (an installed plugin), not a
# tenant's resource: a route with only these is no isolation boundary.
SHARED_PARAMS = {
    "name": "gym",
    "kind": "email",
    "service_name": "appreciation_event",
    "schedule": "expire-memberships",
}

# A valid body for every write operation, given the ids of the caller's world.
SAMPLE_BODIES: dict[str, Callable[[Ids], dict[str, Any]]] = {
    "createCustomer": lambda ids: {"name": "样本客户", "phone": "13811112222"},
    "updateCustomer": lambda ids: {"name": "改名"},
    "restoreCustomer": lambda ids: {},
    "deleteCustomer": lambda ids: {},
    "grantConsent": lambda ids: {"purpose": "marketing"},
    "withdrawConsent": lambda ids: {},
    "createContact": lambda ids: {"name": "家长", "relation": "mother"},
    "updateContact": lambda ids: {"name": "家长2"},
    "deleteContact": lambda ids: {},
    "createInteraction": lambda ids: {
        "channel": "phone",
        "direction": "inbound",
        "summary": "asked about fees",
    },
    "createTask": lambda ids: {"title": "call back", "customer_id": ids["customer_id"]},
    "updateTask": lambda ids: {"status": "done"},
    "createPayment": lambda ids: {
        "customer_id": ids["customer_id"],
        "amount": 1000,
        "kind": "payment",
    },
    "updateTenant": lambda ids: {"locale": "zh-CN"},
    "createUser": lambda ids: {
        "name": "New Agent",
        "email": "new-agent@example.com",
        "role": "agent",
    },
    "createApiKey": lambda ids: {"label": "sample"},
    "revokeApiKey": lambda ids: {},
    "enablePlugin": lambda ids: {"config": {}},
    "runPluginSchedule": lambda ids: {},
    "disablePlugin": lambda ids: {},
    "configureChannel": lambda ids: {
        "config": {"host": "smtp.example.com", "from_address": "crm@example.com"},
    },
    # A public-looking URL: the shared server refuses private ones. `.invalid` never
    # resolves (accepted at creation, refused at delivery), so nothing is ever sent to it.
    # The event must be in the catalogue: a plugin's declared event.
    "createWebhook": lambda ids: {
        "url": "https://hooks.invalid/hook",
        "events": ["education.override_requested"],
    },
    "enableWebhook": lambda ids: {},
    "deleteWebhook": lambda ids: {},
    # The example plugin installed into the test run (tests/plugins/gym).
    "gymCreateMembership": lambda ids: {
        "customer_id": ids["customer_id"],
        "plan": "monthly",
        "starts_on": "2026-01-01",
    },
    # The built-in education plugin.
    "educationUpdateStudent": lambda ids: {"position": "senior", "intent": "high"},
    "educationCreateEnrollment": lambda ids: {
        "customer_id": ids["customer_id"],
        "course": "雅思",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
        "fee": 680000,
    },
    "educationDeleteEnrollment": lambda ids: {},
    "educationSetTierOverride": lambda ids: {
        "customer_id": ids["customer_id"],
        "tier": "key",
        "reason": "sample",
    },
    "educationRequestTierOverride": lambda ids: {
        "customer_id": ids["customer_id"],
        "tier": "attention",
        "reason": "sample",
    },
    "educationApproveTierOverride": lambda ids: {},
    "educationRejectTierOverride": lambda ids: {},
    "educationRunService": lambda ids: {"title": "客户答谢会邀请"},
    # The built-in care plugin.
    "careCreateBroadcast": lambda ids: {
        "label": "台风预警",
        "template": "{name}：台风将至，请注意安全。",
        "customer_ids": [ids["customer_id"]],
    },
    "careCreateRenewal": lambda ids: {
        "customer_id": ids["customer_id"],
        "label": "宽带套餐",
        "due_on": "2027-01-31",
    },
    # The built-in points plugin. The world's customer holds points; adjustments aim at a
    # customer with none, so that every negative value is refused (409) too.
    "pointsCreateAward": lambda ids: {
        "customer_id": ids["customer_id"],
        "points": 10,
        "reason": "sample",
    },
    "pointsCreateAdjustment": lambda ids: {
        "customer_id": ids["empty_customer_id"],
        "points": 5,
        "reason": "sample",
    },
    "pointsCreateReward": lambda ids: {"name": "保温杯", "cost": 10, "stock": 5},
    "pointsCreateRedemption": lambda ids: {"customer_id": ids["customer_id"], "points": 1},
    "pointsCancelRedemption": lambda ids: {},
    "pointsRunExpiry": lambda ids: {},
    # The built-in membership plugin.
    "membershipPinLevel": lambda ids: {
        "customer_id": ids["customer_id"],
        "level": "gold",
        "reason": "sample",
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {placeholders}
    operation_id: str
    body_schema: dict[str, Any] | None

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    @property
    def resource_params(self) -> list[str]:
        """The parameters naming one tenant's resources."""
        return [p for p in self.params if p not in SHARED_PARAMS]

    @property
    def writes(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}

    def url(self, ids: Ids) -> str:
        missing = [p for p in self.params if p not in ids]
        assert not missing, f"{self.operation_id}: add ids for {missing} to tests/http/routes.py"
        return PARAM.sub(lambda m: ids[m.group(1)], self.path).removeprefix("/api/v1")

    def sample_body(self, ids: Ids) -> dict[str, Any] | None:
        if self.method in {"GET", "HEAD"}:
            return None
        assert self.operation_id in SAMPLE_BODIES, (
            f"{self.method} {self.path}: add a sample body for {self.operation_id!r} "
            "to SAMPLE_BODIES in tests/http/routes.py"
        )
        return SAMPLE_BODIES[self.operation_id](ids)

    def call(self, client: httpx.Client, ids: Ids, body: Any = None, **kw: Any) -> httpx.Response:
        payload = self.sample_body(ids) if body is None else body
        if payload is None or self.method == "DELETE":
            return client.request(self.method, self.url(ids), **kw)
        return client.request(self.method, self.url(ids), json=payload, **kw)


def tenant_operations(openapi: dict[str, Any]) -> Iterator[Operation]:
    for path, item in sorted(openapi["paths"].items()):
        if NOT_TENANT_SCOPED.match(path) or not path.startswith("/api/v1/"):
            continue
        for method, spec in sorted(item.items()):
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
            yield Operation(method.upper(), path, spec["operationId"], body.get("schema"))


def openapi_of(client: httpx.Client) -> dict[str, Any]:
    base = str(client.base_url).removesuffix("/api/v1").removesuffix("/api/v1/")
    response = httpx.get(base + "/schema/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any] | None, openapi: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` into components."""
    while schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi["components"]["schemas"][name]
    return schema or {}


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), f"{response.request.url}: {response.text}"
    return response.json()


def build_world(tenant: Tenant) -> Ids:
    """One of every resource in `tenant`, keyed by the path parameter that names it."""
    c = tenant.client
    customer = _created(
        c.post(
            "/customers",
            json={
                "name": f"Secret of {tenant.slug}",
                "phone": "13900001111",
                "id_number": "110101199001011234",
            },
        )
    )
    deleted = _created(c.post("/customers", json={"name": f"Deleted of {tenant.slug}"}))
    assert c.delete(f"/customers/{deleted['id']}").status_code == 204
    ids: Ids = {
        **SHARED_PARAMS,
        "customer_id": customer["id"],
        "deleted_customer_id": deleted["id"],
    }
    ids["contact_id"] = _created(
        c.post(f"/customers/{customer['id']}/contacts", json={"name": "Parent"})
    )["id"]
    ids["consent_id"] = _created(
        c.post(f"/customers/{customer['id']}/consents", json={"purpose": "service"})
    )["id"]
    ids["task_id"] = _created(c.post("/tasks", json={"title": "t", "customer_id": customer["id"]}))[
        "id"
    ]
    ids["interaction_id"] = _created(
        c.post(
            f"/customers/{customer['id']}/interactions",
            json={"channel": "phone", "direction": "inbound", "summary": "hello"},
        )
    )["id"]
    ids["payment_id"] = _created(
        c.post(
            "/payments", json={"customer_id": customer["id"], "amount": 50000, "kind": "payment"}
        )
    )["id"]
    user = _created(
        c.post(
            "/users",
            json={"name": "Agent", "email": f"a@{tenant.slug}.example.com", "role": "agent"},
        )
    )
    ids["user_id"] = user["id"]
    ids["api_key_id"] = _created(c.post(f"/users/{user['id']}/api-keys", json={"label": "k"}))["id"]
    ids["webhook_id"] = _created(c.post("/webhooks", json=SAMPLE_BODIES["createWebhook"](ids)))[
        "id"
    ]
    # The gym plugin (tests/plugins/gym), so that its routes are covered too. Without its
    # welcome task: that arrives after commit, and would change counts taken meanwhile.
    _created(c.put("/plugins/gym", json={"config": {"welcome_task": False}}))
    ids["membership_id"] = _created(
        c.post(
            "/plugins/gym/memberships",
            json={"customer_id": customer["id"], "plan": "annual", "starts_on": "2026-01-01"},
        )
    )["id"]
    # An on-demand run of the gym's schedule (no membership has ended: it changes nothing).
    ids["run_id"] = _created(c.post("/plugins/gym/schedules/expire-memberships/runs"))["id"]
    # The built-in education plugin, with only a service run on request: its scheduled
    # tasks would arrive after commit too.
    appreciation = {
        "name": "appreciation_event",
        "title": "Invitation to the customer appreciation event",
        "tiers": ["key", "attention", "general"],
        "recurrence": "on request",
        "task_kind": "invitation",
        "done_by": "person in charge",
    }
    _created(c.put("/plugins/education", json={"config": {"services": [appreciation]}}))
    ids["enrollment_id"] = _created(
        c.post(
            "/plugins/education/enrollments",
            json=SAMPLE_BODIES["educationCreateEnrollment"](ids),
        )
    )["id"]
    # The built-in membership plugin, with the default ladder.
    _created(c.put("/plugins/membership", json={"config": {}}))
    ids["request_id"] = _created(
        c.post(
            "/plugins/education/tier-override-requests",
            json=SAMPLE_BODIES["educationRequestTierOverride"](ids),
        )
    )["id"]
    # The built-in care plugin (its schedules never run in the HTTP suites) and a notice.
    _created(c.put("/plugins/care", json={"config": {}}))
    ids["broadcast_id"] = _created(
        c.post("/plugins/care/broadcasts", json=SAMPLE_BODIES["careCreateBroadcast"](ids))
    )["id"]
    # The built-in points plugin: points for the customer, a reward, a redemption.
    _created(c.put("/plugins/points", json={"config": {}}))
    ids["empty_customer_id"] = _created(c.post("/customers", json={"name": "Empty account"}))["id"]
    _created(c.post("/plugins/points/awards", json=SAMPLE_BODIES["pointsCreateAward"](ids)))
    ids["reward_id"] = _created(
        c.post("/plugins/points/rewards", json=SAMPLE_BODIES["pointsCreateReward"](ids))
    )["id"]
    ids["redemption_id"] = _created(
        c.post("/plugins/points/redemptions", json=SAMPLE_BODIES["pointsCreateRedemption"](ids))
    )["id"]
    return ids
