"""The example third-party plugin `patron-gym` (tests/plugins/gym), installed into the test
run as its own package and used end to end over HTTP, on both backends.

It imports nothing from Patron but `core.sdk`: what it does here, any plugin can do.
"""

from __future__ import annotations

import datetime

import pytest

from core.testing.http import Tenant
from tests.plugins.support import enable, join, new_customer, tasks_of, today
from tests.support.database import as_app_role
from tests.support.expect import field_errors, ok
from tests.support.wait import eventually

DEFAULT_CONFIG = {
    "monthly_fee": 30000,
    "plans": [{"name": "monthly", "months": 1}, {"name": "annual", "months": 12}],
    "welcome_task": True,
    "renewal_notice_days": 14,
}


def _gym_state(tenant: Tenant) -> dict:
    [gym] = [p for p in ok(tenant.client.get("/plugins"))["items"] if p["name"] == "gym"]
    return gym


def _schema_properties(schema: dict) -> dict:
    while "$ref" in schema:
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]] | {"$defs": schema["$defs"]}
    return schema["properties"]


# -- enabling --------------------------------------------------------------------------------
def test_the_installed_gym_is_listed_with_its_config_schema(tenant: Tenant):
    gym = _gym_state(tenant)
    assert (gym["title"], gym["version"], gym["enabled"]) == ("Gym memberships", "0.1.0", False)
    assert gym["config"] == DEFAULT_CONFIG
    properties = _schema_properties(gym["config_schema"])
    assert set(properties) == set(DEFAULT_CONFIG)
    assert properties["renewal_notice_days"]["minimum"] == 1
    assert properties["renewal_notice_days"]["maximum"] == 90


def test_enabling_fills_the_missing_config_keys_with_defaults(tenant: Tenant):
    state = enable(tenant, monthly_fee=25000)
    assert state["enabled"] is True
    assert state["config"] == {**DEFAULT_CONFIG, "monthly_fee": 25000}
    assert _gym_state(tenant) == state


# -- the welcome task (an event hook, run after commit) ------------------------------------------
def test_a_new_customer_gets_one_welcome_task_from_the_gym(tenant: Tenant, other_tenant: Tenant):
    enable(tenant)
    outsider = new_customer(other_tenant, "不是会员")  # its tenant never enabled the gym
    customer = new_customer(tenant, "李四")
    [task] = eventually(
        lambda: tasks_of(tenant, customer["id"], "gym"), what="the gym's welcome task"
    )
    assert (task["kind"], task["source"], task["status"]) == ("welcome", "gym", "open")
    assert "李四" in task["title"]
    # The relay delivers events in order, so the outsider's event has been handled too.
    assert tasks_of(other_tenant, outsider["id"], "gym") == []
    assert len(tasks_of(tenant, customer["id"], "gym")) == 1


def test_no_welcome_task_where_the_tenant_turned_it_off(tenant: Tenant, other_tenant: Tenant):
    enable(other_tenant, welcome_task=False)
    enable(tenant)
    quiet = new_customer(other_tenant, "Quiet")
    loud = new_customer(tenant, "Loud")
    eventually(lambda: tasks_of(tenant, loud["id"], "gym"), what="the welcome task")
    assert tasks_of(other_tenant, quiet["id"], "gym") == []


# -- the gym's routes --------------------------------------------------------------------------
def test_a_membership_is_created_read_and_listed(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    starts_on = datetime.date(2025, 1, 31)
    membership = ok(join(tenant, customer["id"], "monthly", starts_on), 201)
    assert membership["customer_id"] == customer["id"]
    assert (membership["plan"], membership["starts_on"]) == ("monthly", "2025-01-31")
    assert membership["ends_on"] == "2025-02-27"  # one month from Jan 31, last day covered
    assert membership["active"] is False  # it ended long ago

    assert ok(tenant.client.get(f"/plugins/gym/memberships/{membership['id']}")) == membership
    listed = ok(tenant.client.get("/plugins/gym/members", params={"customer_id": customer["id"]}))
    assert listed == {"items": [membership], "next_cursor": None}


def test_a_running_membership_is_active(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    membership = ok(join(tenant, customer["id"], "annual"), 201)
    assert membership["active"] is True
    assert membership["starts_on"] == today(tenant).isoformat()


def test_members_are_listed_per_customer_and_newest_first(tenant: Tenant):
    enable(tenant)
    first, second = new_customer(tenant, "One"), new_customer(tenant, "Two")
    a = ok(join(tenant, first["id"]), 201)
    b = ok(join(tenant, second["id"]), 201)
    c = ok(join(tenant, first["id"], "annual"), 201)
    every = ok(tenant.client.get("/plugins/gym/members"))["items"]
    assert [m["id"] for m in every] == [c["id"], b["id"], a["id"]]
    page = ok(tenant.client.get("/plugins/gym/members", params={"limit": 2}))
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = ok(tenant.client.get("/plugins/gym/members", params={"cursor": page["next_cursor"]}))
    assert [m["id"] for m in rest["items"]] == [a["id"]]
    mine = ok(tenant.client.get("/plugins/gym/members", params={"customer_id": first["id"]}))
    assert [m["id"] for m in mine["items"]] == [c["id"], a["id"]]
    nobody = ok(tenant.client.get("/plugins/gym/members", params={"customer_id": "nope"}))
    assert nobody["items"] == []


def test_a_plan_the_gym_does_not_sell_is_refused(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    assert field_errors(join(tenant, customer["id"], "lifetime")) == ["plan"]


def test_a_membership_needs_a_customer_of_this_tenant(tenant: Tenant, other_tenant: Tenant):
    enable(tenant)
    enable(other_tenant)
    foreign = new_customer(other_tenant)
    for customer_id in ("01a20000-0000-7000-8000-000000000000", foreign["id"]):
        assert field_errors(join(tenant, customer_id)) == ["customer_id"]
    deleted = new_customer(tenant)
    assert tenant.client.delete(f"/customers/{deleted['id']}").status_code == 204
    assert field_errors(join(tenant, deleted["id"])) == ["customer_id"]
    assert ok(tenant.client.get("/plugins/gym/members"))["items"] == []


def test_an_unknown_membership_is_404(tenant: Tenant):
    enable(tenant)
    for bad in ("01a20000-0000-7000-8000-000000000000", "not-an-id"):
        response = tenant.client.get(f"/plugins/gym/memberships/{bad}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


def test_viewers_read_memberships_but_cannot_sign_anyone_up(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    membership = ok(join(tenant, customer["id"]), 201)
    viewer = tenant.as_role("viewer")
    assert viewer.get(f"/plugins/gym/memberships/{membership['id']}").status_code == 200
    refused = viewer.post(
        "/plugins/gym/memberships",
        json={"customer_id": customer["id"], "plan": "monthly", "starts_on": "2026-01-01"},
    )
    assert refused.status_code == 403


# -- hooks into core responses ---------------------------------------------------------------
def test_the_customer_shows_its_active_membership_in_the_gym_section(tenant: Tenant):
    enable(tenant)
    member, stranger = new_customer(tenant, "Member"), new_customer(tenant, "Stranger")
    membership = ok(join(tenant, member["id"], "annual"), 201)
    shown = ok(tenant.client.get(f"/customers/{member['id']}"))["plugins"]
    assert shown == {"gym": {"active_membership": membership}}
    assert ok(tenant.client.get(f"/customers/{stranger['id']}"))["plugins"] == {
        "gym": {"active_membership": None}
    }


def test_customers_are_filtered_by_gym_membership(tenant: Tenant):
    enable(tenant)
    member, lapsed = new_customer(tenant, "Member"), new_customer(tenant, "Lapsed")
    new_customer(tenant, "Stranger")
    ok(join(tenant, member["id"]), 201)
    ok(join(tenant, lapsed["id"], "monthly", datetime.date(2024, 1, 1)), 201)

    def names(value: str) -> set[str]:
        found = ok(tenant.client.get("/customers", params={"gym.member": value}))
        return {c["name"] for c in found["items"]}

    assert names("yes") == {"Member"}
    assert names("no") == {"Stranger", "Lapsed"}


def test_an_unknown_gym_filter_is_422_naming_it(tenant: Tenant):
    enable(tenant)
    assert field_errors(tenant.client.get("/customers", params={"gym.nope": "1"})) == ["gym.nope"]
    assert field_errors(tenant.client.get("/customers", params={"gym.member": "maybe"})) == [
        "gym.member"
    ]


def test_a_customer_with_an_active_membership_cannot_be_deleted(tenant: Tenant):
    enable(tenant)
    member, stranger = new_customer(tenant, "Member"), new_customer(tenant, "Stranger")
    membership = ok(join(tenant, member["id"]), 201)
    refused = tenant.client.delete(f"/customers/{member['id']}")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "gym" in refused.json()["detail"] and membership["ends_on"] in refused.json()["detail"]
    assert ok(tenant.client.get(f"/customers/{member['id']}"))["name"] == "Member"
    assert tenant.client.delete(f"/customers/{stranger['id']}").status_code == 204


def test_the_timeline_shows_a_renewal_due_within_the_notice_period(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    twenty_days_ago = today(tenant) - datetime.timedelta(days=20)
    ending = ok(join(tenant, customer["id"], "monthly", twenty_days_ago), 201)
    ok(join(tenant, customer["id"], "annual"), 201)  # ends in a year: nothing due

    def renewals() -> list[dict]:
        items = ok(tenant.client.get(f"/customers/{customer['id']}/timeline"))["items"]
        return [e for e in items if e["kind"] == "gym.membership.renewal_due"]

    [entry] = renewals()
    assert (entry["source"], entry["id"]) == ("gym", None)
    ends_on = datetime.date.fromisoformat(ending["ends_on"])
    assert entry["data"] == {
        "membership_id": ending["id"],
        "plan": "monthly",
        "ends_on": ending["ends_on"],
        "days_left": (ends_on - today(tenant)).days,
    }
    # Reconfigured to a shorter notice, the very next read computes with it.
    enable(tenant, renewal_notice_days=1)
    assert renewals() == []


# -- per-tenant state ------------------------------------------------------------------------
def test_disabling_hides_the_gym_and_keeps_its_data_for_when_it_comes_back(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    membership = ok(join(tenant, customer["id"], "annual"), 201)
    url = f"/plugins/gym/memberships/{membership['id']}"

    assert tenant.client.delete("/plugins/gym").status_code == 204
    assert _gym_state(tenant)["enabled"] is False
    assert tenant.client.get(url).status_code == 404
    assert tenant.client.get("/plugins/gym/members").status_code == 404
    assert join(tenant, customer["id"]).status_code == 404
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["plugins"] == {}
    assert field_errors(tenant.client.get("/customers", params={"gym.member": "yes"})) == [
        "gym.member"
    ]
    # Deleting is no longer vetoed by a plugin the tenant turned off: checked last, below.

    enable(tenant)
    assert ok(tenant.client.get(url)) == membership
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["plugins"] == {
        "gym": {"active_membership": membership}
    }

    assert tenant.client.delete("/plugins/gym").status_code == 204
    assert tenant.client.delete(f"/customers/{customer['id']}").status_code == 204


def test_a_tenant_without_the_gym_gets_404_from_its_routes(tenant: Tenant, other_tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    membership = ok(join(tenant, customer["id"]), 201)
    mine = new_customer(other_tenant)
    for response in (
        other_tenant.client.get(f"/plugins/gym/memberships/{membership['id']}"),
        other_tenant.client.get("/plugins/gym/members"),
        join(other_tenant, mine["id"]),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert ok(other_tenant.client.get(f"/customers/{mine['id']}"))["plugins"] == {}
    assert tenant.client.get(f"/plugins/gym/memberships/{membership['id']}").status_code == 200


# -- row-level security on the gym's tables -------------------------------------------------
@pytest.mark.postgres_only
def test_the_gym_tables_are_under_row_level_security(server, tenant: Tenant, other_tenant: Tenant):
    for owner in (tenant, other_tenant):
        enable(owner)
        ok(join(owner, new_customer(owner)["id"]), 201)
    dsn = server.database_url
    assert as_app_role(dsn, "SELECT count(*) AS n FROM gym_memberships") == [{"n": 0}]
    rows = as_app_role(dsn, "SELECT tenant_id FROM gym_memberships", tenant_id=tenant.id)
    assert {str(r["tenant_id"]) for r in rows} == {tenant.id}
    guarded = as_app_role(
        dsn,
        "SELECT relname FROM pg_class WHERE relname IN ('gym_memberships', 'gym_welcomes')"
        " AND relrowsecurity AND relforcerowsecurity",
    )
    assert {r["relname"] for r in guarded} == {"gym_memberships", "gym_welcomes"}
