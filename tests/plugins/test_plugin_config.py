"""Enabling, configuring and disabling a plugin per tenant (api.md §5), with the gym.

Bad config is a 422 naming the field path; every change is recorded (who, when, from what
to what); a change takes effect on the very next request, in every process, without a
restart (the tenant's plugin revision is part of the credential lookup).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from core.testing.http import Api, Tenant
from tests.plugins.support import enable, join, new_customer, new_user
from tests.support.expect import field_errors, ok

BAD_CONFIGS = [
    # (config, the field path the 422 names, a word its message must contain)
    ({"monthly_fee": "300"}, "config.monthly_fee", "int"),
    ({"monthly_fee": 1.5}, "config.monthly_fee", "int"),
    ({"monthly_fee": True}, "config.monthly_fee", "int"),
    ({"monthly_fee": -1}, "config.monthly_fee", ">= 0"),
    ({"monthly_fee": 10**30}, "config.monthly_fee", ""),
    ({"welcome_task": "yes"}, "config.welcome_task", "bool"),
    ({"renewal_notice_days": 0}, "config.renewal_notice_days", ">= 1"),
    ({"renewal_notice_days": 91}, "config.renewal_notice_days", "<= 90"),
    ({"plans": "monthly"}, "config.plans", "array"),
    ({"plans": []}, "config.plans", "length"),
    ({"plans": [{"name": "gold", "months": 0}]}, "config.plans[0].months", ">= 1"),
    (
        {"plans": [{"name": "gold", "months": 6}, {"name": "", "months": 1}]},
        "config.plans[1].name",
        "length",
    ),
    ({"plans": [{"name": "gold"}]}, "config.plans[0]", "months"),
    # Unknown keys: the path names the object holding them, the message names the key.
    ({"colour": "red"}, "config", "colour"),
    ({"plans": [{"name": "gold", "months": 6, "price": 1}]}, "config.plans[0]", "price"),
]


@pytest.mark.parametrize(
    ("config", "field", "word"), BAD_CONFIGS, ids=[str(case[0])[:40] for case in BAD_CONFIGS]
)
def test_bad_config_is_422_naming_the_field_and_changes_nothing(
    tenant: Tenant, config: dict[str, Any], field: str, word: str
):
    response = tenant.client.put("/plugins/gym", json={"config": config})
    assert field_errors(response) == [field]
    assert word in response.json()["errors"][0]["message"]
    [gym] = [p for p in ok(tenant.client.get("/plugins"))["items"] if p["name"] == "gym"]
    assert gym["enabled"] is False
    assert ok(tenant.client.get("/plugins/gym/changes")) == []


@pytest.mark.parametrize("body", [{"config": "abc"}, {"config": [1]}, {"settings": {}}, []])
def test_a_body_that_is_not_a_config_object_is_422(tenant: Tenant, body: Any):
    response = tenant.client.put("/plugins/gym", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_plugin_is_404(tenant: Tenant):
    for response in (
        tenant.client.put("/plugins/nope", json={"config": {}}),
        tenant.client.delete("/plugins/nope"),
        tenant.client.get("/plugins/nope/changes"),
        tenant.client.get("/plugins/nope/anything"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["viewer", "agent", "supervisor"])
def test_only_admins_enable_or_disable_plugins(api: Api, tenant: Tenant, role: str):
    _, staff = new_user(api, tenant, role)
    assert staff.put("/plugins/gym", json={"config": {}}).status_code == 403
    enable(tenant)
    assert staff.delete("/plugins/gym").status_code == 403
    assert staff.get("/plugins/gym/changes").status_code == 403
    assert staff.get("/plugins").status_code == 200
    _, admin = new_user(api, tenant, "admin")
    assert admin.put("/plugins/gym", json={"config": {"monthly_fee": 1}}).status_code == 200
    assert admin.delete("/plugins/gym").status_code == 204


def test_every_change_is_recorded_with_who_when_old_and_new(api: Api, tenant: Tenant):
    admin_id, admin = new_user(api, tenant, "admin")
    owner_id = next(
        u["id"] for u in ok(tenant.client.get("/users"))["items"] if u["role"] == "owner"
    )
    before = datetime.datetime.now(datetime.UTC)
    enabled = enable(tenant)["config"]
    reconfigured = ok(admin.put("/plugins/gym", json={"config": {"monthly_fee": 9900}}))["config"]
    ok(admin.put("/plugins/gym", json={"config": {"monthly_fee": 9900}}))  # no change: no record
    assert tenant.client.delete("/plugins/gym").status_code == 204
    assert tenant.client.delete("/plugins/gym").status_code == 204  # already off: no record

    changes = ok(tenant.client.get("/plugins/gym/changes"))
    assert [(c["action"], c["changed_by"]) for c in changes] == [
        ("enabled", owner_id),
        ("reconfigured", admin_id),
        ("disabled", owner_id),
    ]
    assert [(c["old_config"], c["new_config"]) for c in changes] == [
        (None, enabled),
        (enabled, reconfigured),
        (reconfigured, None),
    ]
    assert reconfigured["monthly_fee"] == 9900
    times = [datetime.datetime.fromisoformat(c["changed_at"]) for c in changes]
    assert times == sorted(times) and times[0] >= before - datetime.timedelta(seconds=5)
    assert {c["plugin"] for c in changes} == {"gym"}


def test_the_change_log_is_the_tenants_own(tenant: Tenant, other_tenant: Tenant):
    enable(tenant)
    assert ok(other_tenant.client.get("/plugins/gym/changes")) == []


def test_a_new_config_applies_to_the_very_next_request(tenant: Tenant):
    enable(tenant)
    customer = new_customer(tenant)
    assert field_errors(join(tenant, customer["id"], "gold")) == ["plan"]

    enable(tenant, plans=[{"name": "gold", "months": 6}])
    gold = ok(join(tenant, customer["id"], "gold", datetime.date(2026, 1, 1)), 201)
    assert gold["ends_on"] == "2026-06-30"
    assert field_errors(join(tenant, customer["id"], "monthly")) == ["plan"]

    enable(tenant)  # back to the defaults
    assert field_errors(join(tenant, customer["id"], "gold")) == ["plan"]
    assert join(tenant, customer["id"], "monthly").status_code == 201


def test_enabling_and_disabling_apply_to_the_very_next_request(tenant: Tenant):
    for _ in range(3):
        enable(tenant)
        assert tenant.client.get("/plugins/gym/members").status_code == 200
        assert tenant.client.delete("/plugins/gym").status_code == 204
        assert tenant.client.get("/plugins/gym/members").status_code == 404
