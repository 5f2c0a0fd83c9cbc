"""Signup, the operator's platform endpoints, the tenant itself, staff and API keys
(api.md §2, §3), over real HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.support.expect import assert_problem, created, ok

TENANT_FIELDS = {"id", "name", "slug", "status", "plan", "timezone", "currency", "locale"}


# -- helpers ----------------------------------------------------------------------------


def new_slug() -> str:
    return f"s-{uuid.uuid4().hex[:10]}"


def signup_body(slug: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"School {slug}",
        "slug": slug,
        "admin_email": f"boss@{slug}.example.com",
        **extra,
    }


def new_user(client: httpx.Client, role: str, email: str | None = None) -> httpx.Response:
    suffix = uuid.uuid4().hex[:8]
    return client.post(
        "/users",
        json={
            "name": f"{role.title()} {suffix}",
            "email": email or f"{role}-{suffix}@example.com",
            "role": role,
        },
    )


def add_staff(api: Api, tenant: Tenant, role: str) -> tuple[dict, dict, httpx.Client]:
    """A staff member with `role`: the user, their key (id, key) and a client as them."""
    user = created(new_user(tenant.client, role))
    key = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": role}))
    return user, key, api.client(key["key"])


def all_tenants(operator: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        body = ok(operator.get("/platform/tenants", params=params))
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the tenant list never ends")


# -- signup -----------------------------------------------------------------------------


def test_signup_is_public_and_its_key_works_on_the_tenant(api: Api) -> None:
    slug = new_slug()
    answer = created(api.client().post("/signup", json=signup_body(slug)))
    assert set(answer) >= {"tenant", "api_key"}
    assert answer["tenant"]["slug"] == slug
    assert answer["tenant"]["plan"] == "free"
    assert answer["tenant"]["status"] == "active"
    assert isinstance(answer["api_key"], str) and len(answer["api_key"]) >= 20

    owner = api.client(answer["api_key"])
    tenant = ok(owner.get("/tenant"))
    assert tenant["id"] == answer["tenant"]["id"]
    assert tenant["slug"] == slug
    users = ok(owner.get("/users"))["items"]
    assert [(user["email"], user["role"]) for user in users] == [
        (f"boss@{slug}.example.com", "owner")
    ]


def test_signup_with_a_plan_keeps_it(api: Api) -> None:
    answer = created(api.client().post("/signup", json=signup_body(new_slug(), plan="pro")))
    assert answer["tenant"]["plan"] == "pro"
    assert ok(api.client(answer["api_key"]).get("/tenant"))["plan"] == "pro"


def test_signup_with_a_taken_slug_is_409(api: Api, tenant: Tenant) -> None:
    assert_problem(api.client().post("/signup", json=signup_body(tenant.slug)), 409)
    assert ok(tenant.client.get("/tenant"))["name"] == tenant.data["name"]


# Signup is rate limited per server (10 a minute by default) and the server is shared
# by the session: keep the number of signups in this file small.
@pytest.mark.parametrize("slug", ["Bad Slug!", "-dash-first"])
def test_signup_with_a_bad_slug_is_422(api: Api, slug: str) -> None:
    assert_problem(api.client().post("/signup", json=signup_body(slug)), 422, "slug")


def test_signup_with_an_unknown_plan_is_422(api: Api) -> None:
    assert_problem(
        api.client().post("/signup", json=signup_body(new_slug(), plan="platinum")), 422, "plan"
    )


# -- the operator -----------------------------------------------------------------------


def test_operator_creates_lists_gets_suspends_and_resumes_tenants(api: Api) -> None:
    operator = api.operator()
    slug = new_slug()
    answer = created(operator.post("/platform/tenants", json=signup_body(slug, plan="enterprise")))
    tenant_id = answer["tenant"]["id"]
    assert answer["tenant"]["plan"] == "enterprise"
    assert ok(api.client(answer["api_key"]).get("/tenant"))["id"] == tenant_id

    listed = {item["id"]: item for item in all_tenants(operator)}
    assert listed[tenant_id]["slug"] == slug

    assert ok(operator.get(f"/platform/tenants/{tenant_id}"))["slug"] == slug

    suspended = ok(operator.post(f"/platform/tenants/{tenant_id}/suspend"))
    assert suspended["status"] == "suspended"
    assert ok(operator.get(f"/platform/tenants/{tenant_id}"))["status"] == "suspended"
    assert ok(api.client(answer["api_key"]).get("/tenant"))["status"] == "suspended"

    resumed = ok(operator.post(f"/platform/tenants/{tenant_id}/resume"))
    assert resumed["status"] == "active"
    assert ok(operator.get(f"/platform/tenants/{tenant_id}"))["status"] == "active"


def test_operator_create_with_a_taken_slug_is_409(api: Api, tenant: Tenant) -> None:
    assert_problem(api.operator().post("/platform/tenants", json=signup_body(tenant.slug)), 409)


def test_operator_gets_404_for_an_unknown_tenant(api: Api) -> None:
    operator = api.operator()
    assert_problem(operator.get(f"/platform/tenants/{uuid.uuid4()}"), 404)
    assert_problem(operator.post(f"/platform/tenants/{uuid.uuid4()}/suspend"), 404)


PLATFORM_CALLS = [
    ("GET", "/platform/tenants", None),
    ("POST", "/platform/tenants", "body"),
    ("GET", "/platform/tenants/{id}", None),
    ("POST", "/platform/tenants/{id}/suspend", None),
    ("POST", "/platform/tenants/{id}/resume", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PLATFORM_CALLS)
def test_platform_endpoints_refuse_a_tenant_key(
    api: Api, tenant: Tenant, method: str, path: str, body: str | None
) -> None:
    json = signup_body(new_slug()) if body else None
    response = tenant.client.request(method, path.format(id=tenant.id), json=json)
    assert_problem(response, 401)
    assert ok(tenant.client.get("/tenant"))["status"] == "active"


@pytest.mark.parametrize(("method", "path", "body"), PLATFORM_CALLS)
def test_platform_endpoints_refuse_no_token(
    api: Api, tenant: Tenant, method: str, path: str, body: str | None
) -> None:
    json = signup_body(new_slug()) if body else None
    assert_problem(api.client().request(method, path.format(id=tenant.id), json=json), 401)
    assert_problem(api.client("wrong-token").request(method, path.format(id=tenant.id)), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/tenant"), ("GET", "/customers"), ("POST", "/customers"), ("GET", "/users")],
)
def test_operator_token_is_refused_on_tenant_routes(api: Api, method: str, path: str) -> None:
    json = {"name": "Sneaky"} if method == "POST" else None
    assert_problem(api.operator().request(method, path, json=json), 401)


@pytest.mark.parametrize("header", ["", "Bearer", "Token abc", "Basic abc", "Bearer pat_nope"])
def test_tenant_routes_refuse_missing_or_bad_credentials(api: Api, header: str) -> None:
    client = api.client()
    response = client.get("/customers", headers={"Authorization": header} if header else {})
    assert_problem(response, 401)


# -- the tenant -------------------------------------------------------------------------


def test_tenant_has_the_pinned_fields_and_defaults(tenant: Tenant) -> None:
    body = ok(tenant.client.get("/tenant"))
    assert set(body) >= TENANT_FIELDS
    assert body["id"] == tenant.id
    assert body["slug"] == tenant.slug
    assert body["name"] == tenant.data["name"]
    assert body["status"] == "active"
    assert body["plan"] == "free"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["currency"] == "CNY"
    assert isinstance(body["locale"], str) and body["locale"]


def test_admin_patches_the_tenant_time_zone(api: Api, tenant: Tenant) -> None:
    _, _, admin = add_staff(api, tenant, "admin")
    body = ok(admin.patch("/tenant", json={"timezone": "Europe/Berlin"}))
    assert body["timezone"] == "Europe/Berlin"
    assert body["currency"] == "CNY"
    assert ok(tenant.client.get("/tenant"))["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"currency": "yuan"}, "currency"),
        ({"currency": "ZZZ"}, "currency"),
        ({"name": ""}, "name"),
        ({"slug": "new-slug"}, None),
    ],
)
def test_invalid_tenant_patch_is_422_and_changes_nothing(
    tenant: Tenant, body: dict[str, Any], field: str | None
) -> None:
    before = ok(tenant.client.get("/tenant"))
    assert_problem(tenant.client.patch("/tenant", json=body), 422, field)
    assert ok(tenant.client.get("/tenant")) == before


def test_agent_cannot_patch_the_tenant(api: Api, tenant: Tenant) -> None:
    _, _, agent = add_staff(api, tenant, "agent")
    assert_problem(agent.patch("/tenant", json={"timezone": "Europe/Berlin"}), 403)
    assert ok(tenant.client.get("/tenant"))["timezone"] == "Asia/Shanghai"


def test_tenant_keys_see_only_their_own_tenant(tenant: Tenant, other_tenant: Tenant) -> None:
    assert ok(tenant.client.get("/tenant"))["id"] == tenant.id
    assert ok(other_tenant.client.get("/tenant"))["id"] == other_tenant.id
    other_user_ids = {user["id"] for user in ok(other_tenant.client.get("/users"))["items"]}
    mine = {user["id"] for user in ok(tenant.client.get("/users"))["items"]}
    assert not mine & other_user_ids
    for user_id in other_user_ids:
        assert_problem(tenant.client.get(f"/users/{user_id}"), 404)


def test_nul_character_in_the_tenant_name_never_yields_500(tenant: Tenant) -> None:
    response = tenant.client.patch("/tenant", json={"name": "nul\u0000byte"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422, "name")


# -- users ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "agent", "supervisor", "admin"])
def test_admin_creates_users_of_each_role_up_to_their_own(
    api: Api, tenant: Tenant, role: str
) -> None:
    _, _, admin = add_staff(api, tenant, "admin")
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    user = created(new_user(admin, role, email=email))
    assert user["role"] == role
    assert user["email"] == email
    uuid.UUID(user["id"])
    assert ok(tenant.client.get(f"/users/{user['id']}"))["role"] == role


def test_admin_cannot_create_an_owner(api: Api, tenant: Tenant) -> None:
    _, _, admin = add_staff(api, tenant, "admin")
    before = ok(tenant.client.get("/users"))["items"]
    assert_problem(new_user(admin, "owner"), 403)
    assert ok(tenant.client.get("/users"))["items"] == before


def test_owner_can_create_another_owner(tenant: Tenant) -> None:
    assert created(new_user(tenant.client, "owner"))["role"] == "owner"


def test_duplicate_user_email_is_409(tenant: Tenant) -> None:
    email = f"dup-{uuid.uuid4().hex[:8]}@example.com"
    created(new_user(tenant.client, "agent", email=email))
    assert_problem(new_user(tenant.client, "viewer", email=email), 409)


def test_same_user_email_in_two_tenants_is_fine(tenant: Tenant, other_tenant: Tenant) -> None:
    email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    created(new_user(tenant.client, "agent", email=email))
    created(new_user(other_tenant.client, "agent", email=email))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "email": "x@example.com", "role": "superuser"}, "role"),
        ({"name": "X", "email": "not-an-email", "role": "agent"}, "email"),
        ({"name": "", "email": "x@example.com", "role": "agent"}, "name"),
        ({"name": "X", "email": "x@example.com"}, None),
    ],
)
def test_invalid_user_is_422(tenant: Tenant, body: dict[str, Any], field: str | None) -> None:
    assert_problem(tenant.client.post("/users", json=body), 422, field)


def test_users_list_shows_every_staff_member(api: Api, tenant: Tenant) -> None:
    made = [created(new_user(tenant.client, role)) for role in ("viewer", "agent", "admin")]
    body = ok(tenant.client.get("/users"))
    assert body["next_cursor"] is None
    by_id = {user["id"]: user for user in body["items"]}
    assert len(by_id) == 4
    assert [u["role"] for u in body["items"]].count("owner") == 1
    for user in made:
        assert by_id[user["id"]]["email"] == user["email"]
        assert by_id[user["id"]]["role"] == user["role"]
    _, _, viewer = add_staff(api, tenant, "viewer")
    assert len(ok(viewer.get("/users"))["items"]) == 5


def test_nul_character_in_a_user_name_never_yields_500(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/users", json={"name": "nul\u0000byte", "email": "nul@example.com", "role": "agent"}
    )
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422, "name")


# -- API keys ---------------------------------------------------------------------------


def test_revoking_one_key_leaves_the_users_other_keys_working(api: Api, tenant: Tenant) -> None:
    user, first, first_client = add_staff(api, tenant, "agent")
    second = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": "2"}))
    assert tenant.client.delete(f"/api-keys/{first['id']}").status_code == 204
    assert_problem(first_client.get("/tenant"), 401)
    assert ok(api.client(second["key"]).get("/tenant"))["id"] == tenant.id
    listed = {k["id"]: k for k in ok(tenant.client.get(f"/users/{user['id']}/api-keys"))}
    assert listed[first["id"]]["revoked_at"] is not None
    assert listed[second["id"]]["revoked_at"] is None


def test_new_api_key_is_shown_once_and_works(api: Api, tenant: Tenant) -> None:
    user = created(new_user(tenant.client, "agent"))
    key = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": "laptop"}))
    uuid.UUID(key["id"])
    assert isinstance(key["key"], str) and len(key["key"]) >= 20
    assert ok(api.client(key["key"]).get("/tenant"))["id"] == tenant.id

    response = tenant.client.get(f"/users/{user['id']}/api-keys")
    listed = ok(response)
    assert [item["id"] for item in listed] == [key["id"]]
    assert listed[0]["label"] == "laptop"
    assert "key" not in listed[0]
    assert key["key"] not in response.text


def test_revoked_key_gets_401(api: Api, tenant: Tenant) -> None:
    _, key, agent = add_staff(api, tenant, "agent")
    assert ok(agent.get("/customers"))["items"] == []
    response = tenant.client.delete(f"/api-keys/{key['id']}")
    assert response.status_code == 204, response.text
    assert_problem(agent.get("/customers"), 401)
    assert_problem(api.client(key["key"]).get("/tenant"), 401)
    assert_problem(tenant.client.delete(f"/api-keys/{key['id']}"), 404)


def test_agent_cannot_revoke_another_users_key(api: Api, tenant: Tenant) -> None:
    _, other_key, other = add_staff(api, tenant, "agent")
    _, _, agent = add_staff(api, tenant, "agent")
    assert_problem(agent.delete(f"/api-keys/{other_key['id']}"), 403)
    assert ok(other.get("/tenant"))["id"] == tenant.id


def test_agent_cannot_revoke_the_owners_key(api: Api, tenant: Tenant) -> None:
    owner = next(u for u in ok(tenant.client.get("/users"))["items"] if u["role"] == "owner")
    owner_keys = ok(tenant.client.get(f"/users/{owner['id']}/api-keys"))
    _, _, agent = add_staff(api, tenant, "agent")
    for key in owner_keys:
        assert_problem(agent.delete(f"/api-keys/{key['id']}"), 403)
    assert ok(tenant.client.get("/tenant"))["id"] == tenant.id


def test_agent_revokes_their_own_key(api: Api, tenant: Tenant) -> None:
    _, key, agent = add_staff(api, tenant, "agent")
    response = agent.delete(f"/api-keys/{key['id']}")
    assert response.status_code == 204, response.text
    assert_problem(agent.get("/tenant"), 401)


def test_agent_cannot_mint_a_key_for_someone_else(api: Api, tenant: Tenant) -> None:
    other, _, _ = add_staff(api, tenant, "agent")
    me, _, agent = add_staff(api, tenant, "agent")
    assert_problem(agent.post(f"/users/{other['id']}/api-keys", json={"label": "x"}), 403)
    own = created(agent.post(f"/users/{me['id']}/api-keys", json={"label": "second"}))
    assert ok(api.client(own["key"]).get("/tenant"))["id"] == tenant.id


def test_admin_cannot_mint_a_key_for_the_owner(api: Api, tenant: Tenant) -> None:
    owner = next(u for u in ok(tenant.client.get("/users"))["items"] if u["role"] == "owner")
    _, _, admin = add_staff(api, tenant, "admin")
    assert_problem(admin.post(f"/users/{owner['id']}/api-keys", json={"label": "x"}), 403)


def test_other_tenants_key_cannot_be_revoked(
    api: Api, tenant: Tenant, other_tenant: Tenant
) -> None:
    _, their_key, them = add_staff(api, other_tenant, "agent")
    assert_problem(tenant.client.delete(f"/api-keys/{their_key['id']}"), 404)
    assert_problem(tenant.client.delete(f"/api-keys/{uuid.uuid4()}"), 404)
    assert ok(them.get("/tenant"))["id"] == other_tenant.id


# -- suspension -------------------------------------------------------------------------


def test_suspended_tenant_reads_but_cannot_write_until_resumed(api: Api, tenant: Tenant) -> None:
    existing = created(tenant.client.post("/customers", json={"name": "Before"}))
    operator = api.operator()
    ok(operator.post(f"/platform/tenants/{tenant.id}/suspend"))

    listed = ok(tenant.client.get("/customers"))
    assert [item["id"] for item in listed["items"]] == [existing["id"]]
    assert ok(tenant.client.get(f"/customers/{existing['id']}"))["name"] == "Before"
    assert ok(tenant.client.get("/tenant"))["status"] == "suspended"

    refused = tenant.client.post("/customers", json={"name": "During"})
    assert refused.status_code in (403, 423), refused.text
    assert_problem(refused, refused.status_code)
    for response in (
        tenant.client.patch(f"/customers/{existing['id']}", json={"name": "Changed"}),
        tenant.client.delete(f"/customers/{existing['id']}"),
        tenant.client.patch("/tenant", json={"timezone": "Europe/Berlin"}),
        new_user(tenant.client, "agent"),
    ):
        assert response.status_code in (403, 423), response.text
        assert_problem(response, response.status_code)
    assert [item["name"] for item in ok(tenant.client.get("/customers"))["items"]] == ["Before"]

    ok(operator.post(f"/platform/tenants/{tenant.id}/resume"))
    created(tenant.client.post("/customers", json={"name": "After"}))
    names = sorted(item["name"] for item in ok(tenant.client.get("/customers"))["items"])
    assert names == ["After", "Before"]


def test_suspending_one_tenant_leaves_others_writable(
    api: Api, tenant: Tenant, other_tenant: Tenant
) -> None:
    ok(api.operator().post(f"/platform/tenants/{tenant.id}/suspend"))
    created(other_tenant.client.post("/customers", json={"name": "Still fine"}))
