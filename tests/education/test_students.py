"""Students over HTTP on both backends: the profile, re-evaluation on every change, the
customer section and list filter, tier changes on the timeline, overrides and requests."""

from __future__ import annotations

import pytest

from core.testing.http import Api, Tenant
from tests.education.support import (
    enable_education,
    enrol,
    new_student,
    profile,
    student,
    tier_becomes,
)
from tests.plugins.support import new_customer, new_user
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay, refund
from tests.support.wait import eventually


@pytest.fixture
def school(tenant: Tenant) -> Tenant:
    enable_education(tenant)
    return tenant


def test_the_config_schema_publishes_every_threshold_with_its_default(tenant: Tenant):
    [education] = [
        p for p in ok(tenant.client.get("/plugins"))["items"] if p["name"] == "education"
    ]
    config = education["config"]
    assert (config["key_paid"], config["attention_paid"]) == (800000, 400000)
    assert (config["key_months"], config["attention_months"]) == (5, 3)
    assert [p["name"] for p in config["positions"]] == ["senior", "public_sector", "other"]
    assert len(config["services"]) == 9
    schema = education["config_schema"]
    properties = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert properties["key_paid"]["default"] == 800000
    assert properties["key_months"]["default"] == 5


def test_bad_config_is_a_422_naming_the_problem(tenant: Tenant):
    response = tenant.client.put("/plugins/education", json={"config": {"attention_paid": 900000}})
    assert_problem(response, 422)
    assert "attention_paid" in response.text
    response = tenant.client.put("/plugins/education", json={"config": {"key_paid": -1}})
    assert_problem(response, 422)


def test_a_new_student_is_general_with_levels_and_no_override(school: Tenant):
    customer = new_student(school, "王小明")
    found = student(school, customer["id"])
    assert found["tier"] == found["computed_tier"] == "general"
    assert found["override"] is None
    assert found["levels"] == {"position": 0, "paid": 0, "duration": 0}
    assert found["lifecycle_stage"] == "lead"


def test_position_and_paid_make_a_key_student(school: Tenant):
    customer = new_customer(school, "李总")
    updated = profile(school, customer["id"], position="senior", intent="high")
    assert updated["levels"]["position"] == 2
    assert updated["tier"] == "general"  # one dimension at level 2 is not enough
    pay(school, customer["id"], 799999)
    tier_becomes(school, customer["id"], "attention")  # position 2 + paid 1
    pay(school, customer["id"], 1)
    found = tier_becomes(school, customer["id"], "key")  # 8000.00 CNY exactly
    assert found["levels"] == {"position": 2, "paid": 2, "duration": 0}


def test_a_refund_lowers_the_paid_level(school: Tenant):
    customer = new_customer(school)
    profile(school, customer["id"], position="senior")
    payment = pay(school, customer["id"], 800000)
    tier_becomes(school, customer["id"], "key")
    refund(school, payment, 1)
    found = tier_becomes(school, customer["id"], "attention")
    assert found["levels"]["paid"] == 1


def test_overlapping_enrolments_count_once(school: Tenant):
    customer = new_customer(school)
    profile(school, customer["id"], position="public_sector")
    enrol(school, customer["id"], "2026-01-01", "2026-03-31")  # 3 months
    enrol(school, customer["id"], "2026-02-01", "2026-03-15")  # inside: adds nothing
    found = student(school, customer["id"])
    assert found["levels"]["duration"] == 1
    assert found["tier"] == "attention"  # position 1 + duration 1
    assert found["lifecycle_stage"] == "enrolled"
    enrol(school, customer["id"], "2026-04-01", "2026-05-31")  # touching: 5 months in all
    assert student(school, customer["id"])["levels"]["duration"] == 2


def test_profile_rejects_unknown_categories_and_foreign_customers(
    school: Tenant, other_tenant: Tenant
):
    customer = new_customer(school)
    response = school.client.put(
        f"/plugins/education/students/{customer['id']}", json={"position": "astronaut"}
    )
    assert_problem(response, 422)
    assert response.json()["errors"][0]["field"] == "position"
    response = school.client.put(
        f"/plugins/education/students/{customer['id']}", json={"intent": "maybe"}
    )
    assert_problem(response, 422)
    outsider = new_customer(other_tenant)
    response = school.client.put(
        f"/plugins/education/students/{outsider['id']}", json={"intent": "high"}
    )
    assert_problem(response, 404)


def test_custom_positions_and_thresholds_apply(tenant: Tenant):
    enable_education(
        tenant,
        positions=[
            {"name": "principal", "label": "校长", "level": 2},
            {"name": "teacher", "label": "教师", "level": 1},
        ],
        key_paid=100000,
        attention_paid=50000,
    )
    customer = new_customer(tenant)
    profile(tenant, customer["id"], position="principal")
    pay(tenant, customer["id"], 100000)
    tier_becomes(tenant, customer["id"], "key")
    response = tenant.client.put(
        f"/plugins/education/students/{customer['id']}", json={"position": "senior"}
    )
    assert_problem(response, 422)


def test_section_filter_and_timeline_show_the_tier(school: Tenant):
    key = new_customer(school, "重点学员")
    plain = new_student(school, "普通学员")
    profile(school, key["id"], position="senior")
    pay(school, key["id"], 900000)
    tier_becomes(school, key["id"], "key")
    section = ok(school.client.get(f"/customers/{key['id']}"))["plugins"]["education"]
    assert section["tier"] == section["computed_tier"] == "key"
    assert section["override"] is None
    assert section["levels"] == {"position": 2, "paid": 2, "duration": 0}
    listed = ok(school.client.get("/customers", params={"education.tier": "key"}))["items"]
    assert [c["id"] for c in listed] == [key["id"]]
    general = ok(school.client.get("/customers", params={"education.tier": "general"}))["items"]
    assert plain["id"] in [c["id"] for c in general]
    assert_problem(school.client.get("/customers", params={"education.tier": "vip"}), 422)
    timeline = ok(school.client.get(f"/customers/{key['id']}/timeline"))["items"]
    changes = [e for e in timeline if e["kind"] == "education.tier.changed"]
    assert changes[0]["data"]["new"] == "key"
    # The reason names what triggered the evaluation, and the levels it found.
    assert "(position 2, paid 2, duration 0)" in changes[0]["summary"]
    history = ok(school.client.get(f"/plugins/education/students/{key['id']}/tier-changes"))
    assert history[0]["new_tier"] == "key"
    assert history[0]["reason"] == changes[0]["data"]["reason"]


def test_overrides_need_a_supervisor_and_win_over_the_computed_tier(api: Api, school: Tenant):
    customer = new_customer(school)
    _, agent = new_user(api, school, "agent")
    body = {"customer_id": customer["id"], "tier": "key", "reason": "家长是校董"}
    assert_problem(agent.post("/plugins/education/tier-overrides", json=body), 403)
    _, supervisor = new_user(api, school, "supervisor")
    found = ok(supervisor.post("/plugins/education/tier-overrides", json=body))
    assert (found["tier"], found["computed_tier"]) == ("key", "general")
    assert found["override"]["reason"] == "家长是校董"
    # Re-evaluation keeps the override in force.
    pay(school, customer["id"], 1000)
    eventually(lambda: student(school, customer["id"])["levels"] is not None)
    assert student(school, customer["id"])["tier"] == "key"
    removed = ok(
        supervisor.post(
            "/plugins/education/tier-overrides",
            json={"customer_id": customer["id"], "tier": None, "reason": "校董离任"},
        )
    )
    assert (removed["tier"], removed["override"]) == ("general", None)
    reasons = [
        c["reason"]
        for c in ok(school.client.get(f"/plugins/education/students/{customer['id']}/tier-changes"))
    ]
    assert any("override removed: 校董离任" in r for r in reasons)
    assert any("override to key: 家长是校董" in r for r in reasons)


def test_an_agent_requests_and_a_supervisor_decides(api: Api, school: Tenant):
    customer = new_customer(school)
    _, agent = new_user(api, school, "agent")
    _, supervisor = new_user(api, school, "supervisor")
    request = ok(
        agent.post(
            "/plugins/education/tier-override-requests",
            json={"customer_id": customer["id"], "tier": "attention", "reason": "二次购买"},
        ),
        201,
    )
    assert request["status"] == "pending"
    assert_problem(
        agent.post(f"/plugins/education/tier-override-requests/{request['id']}/approve", json={}),
        403,
    )
    pending = ok(
        supervisor.get("/plugins/education/tier-override-requests", params={"status": "pending"})
    )
    assert [r["id"] for r in pending["items"]] == [request["id"]]
    approved = ok(
        supervisor.post(
            f"/plugins/education/tier-override-requests/{request['id']}/approve",
            json={"note": "同意"},
        )
    )
    assert approved["status"] == "approved"
    assert student(school, customer["id"])["tier"] == "attention"
    again = supervisor.post(
        f"/plugins/education/tier-override-requests/{request['id']}/reject", json={}
    )
    assert_problem(again, 409)
    rejected = ok(
        agent.post(
            "/plugins/education/tier-override-requests",
            json={"customer_id": customer["id"], "tier": "key", "reason": "想要"},
        ),
        201,
    )
    decided = ok(
        supervisor.post(
            f"/plugins/education/tier-override-requests/{rejected['id']}/reject", json={}
        )
    )
    assert decided["status"] == "rejected"
    assert student(school, customer["id"])["tier"] == "attention"
