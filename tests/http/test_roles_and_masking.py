"""Role floors and the masking of sensitive fields (api.md §2, §3, §4), over real HTTP.

Roles, weakest first: viewer < agent < supervisor < admin < owner. Reads need viewer,
writes agent, unless a route names a higher floor. `phone` and `id_number` come masked
for agent and viewer; supervisor and above see them whole.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.support.expect import assert_problem, created, ok

PHONE = "+8613812345678"
PHONE_MASKED = "+86 138****5678"
ID_NUMBER = "110101199003071234"
ROLES = ["viewer", "agent", "supervisor", "admin", "owner"]


# -- helpers ----------------------------------------------------------------------------


def as_role(tenant: Tenant, role: str) -> httpx.Client:
    """The owner's own client for `owner`, a new staff member's otherwise."""
    return tenant.client if role == "owner" else tenant.as_role(role)


def sensitive_customer(tenant: Tenant) -> dict[str, Any]:
    return created(
        tenant.client.post(
            "/customers",
            json={"name": "Masked Person", "phone": PHONE, "id_number": ID_NUMBER},
        )
    )


def assert_masked_id_number(value: str, whole: str) -> None:
    assert value != whole
    assert len(value) == len(whole)
    assert value[0] == whole[0] and value[-1] == whole[-1]
    assert "*" in value
    assert value.count("*") >= len(whole) // 3, value
    # every character shown is the original one in its place
    assert all(shown in ("*", original) for shown, original in zip(value, whole, strict=True))
    # the stars are one run in the middle
    stars = [i for i, char in enumerate(value) if char == "*"]
    assert stars == list(range(stars[0], stars[-1] + 1))


# -- reads and writes by role -----------------------------------------------------------


def test_viewer_can_list_and_read_customers(tenant: Tenant) -> None:
    customer = sensitive_customer(tenant)
    viewer = tenant.as_role("viewer")
    body = ok(viewer.get("/customers"))
    assert [item["id"] for item in body["items"]] == [customer["id"]]
    assert ok(viewer.get(f"/customers/{customer['id']}"))["name"] == "Masked Person"
    assert ok(viewer.get(f"/customers/{customer['id']}/timeline"))["items"]


def test_viewer_cannot_create_customers(tenant: Tenant) -> None:
    viewer = tenant.as_role("viewer")
    assert_problem(viewer.post("/customers", json={"name": "Nope"}), 403)
    assert ok(tenant.client.get("/customers"))["items"] == []


def test_viewer_cannot_change_or_delete_customers(tenant: Tenant) -> None:
    customer = sensitive_customer(tenant)
    viewer = tenant.as_role("viewer")
    path = f"/customers/{customer['id']}"
    assert_problem(viewer.patch(path, json={"name": "Changed"}), 403)
    assert_problem(viewer.delete(path), 403)
    assert_problem(viewer.post(f"{path}/consents", json={"purpose": "marketing"}), 403)
    assert ok(tenant.client.get(path))["name"] == "Masked Person"


def test_agent_can_create_change_and_delete_customers(tenant: Tenant) -> None:
    agent = tenant.as_role("agent")
    customer = created(agent.post("/customers", json={"name": "By agent"}))
    path = f"/customers/{customer['id']}"
    assert ok(agent.patch(path, json={"region": "Nanjing"}))["region"] == "Nanjing"
    assert agent.delete(path).status_code == 204


# -- masking ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agent_and_viewer_see_phone_masked(tenant: Tenant, role: str) -> None:
    customer = sensitive_customer(tenant)
    client = tenant.as_role(role)
    one = ok(client.get(f"/customers/{customer['id']}"))
    assert one["phone"] == PHONE_MASKED
    listed = ok(client.get("/customers"))["items"]
    assert [item["phone"] for item in listed] == [PHONE_MASKED]
    found = ok(client.get("/customers", params={"q": "Masked"}))["items"]
    assert [item["phone"] for item in found] == [PHONE_MASKED]


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agent_and_viewer_see_id_number_masked(tenant: Tenant, role: str) -> None:
    customer = sensitive_customer(tenant)
    client = tenant.as_role(role)
    one = ok(client.get(f"/customers/{customer['id']}"))
    assert_masked_id_number(one["id_number"], ID_NUMBER)
    listed = ok(client.get("/customers"))["items"]
    assert_masked_id_number(listed[0]["id_number"], ID_NUMBER)


def test_agent_never_receives_the_whole_phone_or_id_number(tenant: Tenant) -> None:
    agent = tenant.as_role("agent")
    made = agent.post("/customers", json={"name": "A", "phone": PHONE, "id_number": ID_NUMBER})
    created(made)
    customer_id = made.json()["id"]
    path = f"/customers/{customer_id}"
    responses = [
        made,
        agent.get(path),
        agent.get("/customers"),
        agent.patch(path, json={"region": "Suzhou"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert "13812345678" not in response.text, response.request.url
        assert ID_NUMBER not in response.text, response.request.url
    whole = ok(tenant.client.get(path))
    assert whole["phone"] == PHONE
    assert whole["id_number"] == ID_NUMBER


@pytest.mark.parametrize("role", ["supervisor", "admin", "owner"])
def test_supervisor_and_above_see_phone_and_id_number_whole(tenant: Tenant, role: str) -> None:
    customer = sensitive_customer(tenant)
    client = as_role(tenant, role)
    one = ok(client.get(f"/customers/{customer['id']}"))
    assert one["phone"] == PHONE
    assert one["id_number"] == ID_NUMBER
    listed = ok(client.get("/customers"))["items"]
    assert (listed[0]["phone"], listed[0]["id_number"]) == (PHONE, ID_NUMBER)


def test_masking_follows_the_callers_role_not_the_creators(tenant: Tenant) -> None:
    agent = tenant.as_role("agent")
    customer = created(agent.post("/customers", json={"name": "B", "phone": PHONE}))
    supervisor = tenant.as_role("supervisor")
    assert ok(supervisor.get(f"/customers/{customer['id']}"))["phone"] == PHONE
    assert ok(agent.get(f"/customers/{customer['id']}"))["phone"] == PHONE_MASKED


def test_agent_writing_back_what_they_were_shown_keeps_the_real_values(tenant: Tenant) -> None:
    """An agent's read-modify-write must not replace the real phone or id_number with
    the masked text it was shown (refusing it with a 422 is fine too)."""
    customer = sensitive_customer(tenant)
    agent = tenant.as_role("agent")
    path = f"/customers/{customer['id']}"
    shown = ok(agent.get(path))
    for field in ("id_number", "phone"):
        response = agent.patch(path, json={field: shown[field]})
        assert response.status_code in (200, 422), response.text
    whole = ok(tenant.client.get(path))
    assert whole["id_number"] == ID_NUMBER
    assert whole["phone"] == PHONE


def test_short_id_number_is_masked_with_ends_kept(tenant: Tenant) -> None:
    customer = created(
        tenant.client.post("/customers", json={"name": "Passport", "id_number": "E12345678"})
    )
    shown = ok(tenant.as_role("agent").get(f"/customers/{customer['id']}"))["id_number"]
    assert_masked_id_number(shown, "E12345678")


def test_customer_without_phone_shows_null_to_agents(tenant: Tenant) -> None:
    customer = created(tenant.client.post("/customers", json={"name": "No phone"}))
    body = ok(tenant.as_role("agent").get(f"/customers/{customer['id']}"))
    assert body["phone"] is None
    assert body["id_number"] is None


# -- role floors ------------------------------------------------------------------------


def floor_cases(floor: str) -> list[Any]:
    return [pytest.param(role, ROLES.index(role) >= ROLES.index(floor), id=role) for role in ROLES]


@pytest.mark.parametrize(("role", "allowed"), floor_cases("admin"))
def test_creating_users_needs_admin(tenant: Tenant, role: str, allowed: bool) -> None:
    client = as_role(tenant, role)
    suffix = uuid.uuid4().hex[:8]
    response = client.post(
        "/users", json={"name": "New", "email": f"new-{suffix}@example.com", "role": "viewer"}
    )
    if allowed:
        assert created(response)["role"] == "viewer"
    else:
        assert_problem(response, 403)
        emails = [user["email"] for user in ok(tenant.client.get("/users"))["items"]]
        assert f"new-{suffix}@example.com" not in emails


@pytest.mark.parametrize(("role", "allowed"), floor_cases("admin"))
def test_patching_the_tenant_needs_admin(tenant: Tenant, role: str, allowed: bool) -> None:
    response = as_role(tenant, role).patch("/tenant", json={"timezone": "Europe/Berlin"})
    if allowed:
        assert ok(response)["timezone"] == "Europe/Berlin"
    else:
        assert_problem(response, 403)
        assert ok(tenant.client.get("/tenant"))["timezone"] == "Asia/Shanghai"


@pytest.mark.parametrize(("role", "allowed"), floor_cases("admin"))
def test_restoring_a_customer_needs_admin(tenant: Tenant, role: str, allowed: bool) -> None:
    customer = created(tenant.client.post("/customers", json={"name": "Deleted"}))
    assert tenant.client.delete(f"/customers/{customer['id']}").status_code == 204
    response = as_role(tenant, role).post(f"/customers/{customer['id']}/restore")
    if allowed:
        assert ok(response)["id"] == customer["id"]
        assert ok(tenant.client.get(f"/customers/{customer['id']}"))["name"] == "Deleted"
    else:
        assert_problem(response, 403)
        assert_problem(tenant.client.get(f"/customers/{customer['id']}"), 404)


@pytest.mark.parametrize(("role", "allowed"), floor_cases("agent"))
def test_creating_customers_needs_agent(tenant: Tenant, role: str, allowed: bool) -> None:
    response = as_role(tenant, role).post("/customers", json={"name": f"By {role}"})
    if allowed:
        assert created(response)["name"] == f"By {role}"
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize("role", ["viewer", "agent", "supervisor"])
def test_nobody_grants_a_role_above_their_own(tenant: Tenant, role: str) -> None:
    client = as_role(tenant, role)
    suffix = uuid.uuid4().hex[:8]
    response = client.post(
        "/users", json={"name": "Boss", "email": f"boss-{suffix}@example.com", "role": "owner"}
    )
    assert_problem(response, 403)


def test_role_is_decided_by_the_key_not_by_headers(api: Api, tenant: Tenant) -> None:
    viewer = tenant.as_role("viewer")
    sneaky_headers = {"X-Role": "owner", "X-Tenant-Id": str(uuid.uuid4()), "X-User-Role": "owner"}
    assert_problem(viewer.post("/customers", json={"name": "X"}, headers=sneaky_headers), 403)
    assert ok(viewer.get("/tenant", headers={"X-Tenant-Id": str(uuid.uuid4())}))["id"] == tenant.id
