"""Who is tiered and scheduled (seed 003 tiers enrolled students): customers with a
student profile or an enrolment; never organisations; cold leads (no profile, no
enrolment) only when the tenant sets `tier_all_people`. A non-student's customer section
is `{"student": false}`."""

from __future__ import annotations

from core.testing.http import Tenant
from core.testing.server import RunningServer
from tests.education.support import (
    drain,
    enable_education,
    enrol,
    open_tasks,
    profile,
    section,
    student,
)
from tests.plugins.support import new_customer
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay


def _is_student(tenant: Tenant, customer_id: str, tier: str = "general") -> None:
    found = section(tenant, customer_id)
    assert found is not None and found["student"] is True and found["tier"] == tier
    assert [t["kind"] for t in open_tasks(tenant, customer_id, "call")] == ["call"]


def _not_a_student(tenant: Tenant, customer_id: str) -> None:
    assert section(tenant, customer_id) == {"student": False, "referral_discount_percent": None}
    assert open_tasks(tenant, customer_id) == []
    assert_problem(tenant.client.get(f"/plugins/education/students/{customer_id}"), 404)
    listed = ok(tenant.client.get("/customers", params={"education.tier": "general"}))["items"]
    assert customer_id not in [c["id"] for c in listed]


def test_only_profiles_and_enrolments_make_students(server: RunningServer, tenant: Tenant):
    school = new_organization_named(tenant)
    cold = new_customer(tenant, "冷线索")
    enable_education(tenant)  # every existing customer is looked at: none is a student
    drain(server)
    _not_a_student(tenant, school["id"])
    _not_a_student(tenant, cold["id"])

    pay(tenant, cold["id"], 900000)  # a payment alone does not make a student
    ok(tenant.client.post(f"/customers/{cold['id']}/interactions", json=OPINION), 201)
    drain(server)
    _not_a_student(tenant, cold["id"])

    profiled = new_customer(tenant, "有档案")
    profile(tenant, profiled["id"], intent="high")
    enrolled = new_customer(tenant, "已报名")
    enrol(tenant, enrolled["id"], "2026-01-01", "2026-02-28")
    drain(server)
    _is_student(tenant, profiled["id"])
    _is_student(tenant, enrolled["id"])


def test_organisations_are_never_students(server: RunningServer, tenant: Tenant):
    enable_education(tenant, tier_all_people=True)
    school = new_organization_named(tenant)
    drain(server)
    _not_a_student(tenant, school["id"])
    for response in (
        tenant.client.put(f"/plugins/education/students/{school['id']}", json={"intent": "high"}),
        tenant.client.post(
            "/plugins/education/enrollments",
            json={
                "customer_id": school["id"],
                "course": "合作课程",
                "starts_on": "2026-01-01",
                "ends_on": "2026-06-30",
                "fee": 0,
            },
        ),
    ):
        assert_problem(response, 422)
    _not_a_student(tenant, school["id"])


def test_tier_all_people_widens_it_to_every_person(server: RunningServer, tenant: Tenant):
    cold = new_customer(tenant, "冷线索")
    enable_education(tenant, tier_all_people=True)
    later = new_customer(tenant, "新线索")
    drain(server)
    _is_student(tenant, cold["id"])
    _is_student(tenant, later["id"])
    assert student(tenant, later["id"])["lifecycle_stage"] == "lead"


def test_a_customer_who_becomes_an_organisation_stops_being_a_student(
    server: RunningServer, tenant: Tenant
):
    enable_education(tenant)
    customer = new_customer(tenant, "误建为个人")
    profile(tenant, customer["id"], intent="low")
    drain(server)
    _is_student(tenant, customer["id"])
    ok(tenant.client.patch(f"/customers/{customer['id']}", json={"kind": "organization"}))
    drain(server)
    _not_a_student(tenant, customer["id"])


def new_organization_named(tenant: Tenant) -> dict:
    made: dict = ok(
        tenant.client.post("/customers", json={"kind": "organization", "name": "合作学校"}), 201
    )
    return made


OPINION = {"channel": "wechat", "direction": "inbound", "summary": "课程太难", "kind": "feedback"}
