"""The service schedule over HTTP, with the shared server's worker running the jobs: the
call tasks each tier earns, kept without duplicates however often students are
re-evaluated; opinions, referrals, renewal reminders and services run on request."""

from __future__ import annotations

import datetime

from core.testing.http import Api, Tenant
from tests.education.support import (
    enable_education,
    enrol,
    new_student,
    open_tasks,
    profile,
    student,
    tier_becomes,
)
from tests.plugins.support import new_customer, new_user, tasks_of
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay
from tests.support.wait import eventually

DAY = datetime.timedelta(days=1)


def _due(task: dict) -> datetime.datetime:
    return datetime.datetime.fromisoformat(task["due_at"])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key_student(tenant: Tenant, name: str = "重点学员") -> dict:
    customer = new_student(tenant, name, position="senior")
    pay(tenant, customer["id"], 800000)
    tier_becomes(tenant, customer["id"], "key")
    return customer


def test_a_general_student_gets_a_monthly_call(tenant: Tenant):
    enable_education(tenant)
    customer = new_student(tenant, "普通学员")
    [call] = eventually(lambda: open_tasks(tenant, customer["id"], "call"), what="a call task")
    assert "every month" in call["title"]
    assert 27 * DAY < _due(call) - _now() <= 31 * DAY


def test_becoming_key_swaps_the_monthly_call_for_one_every_15_days_without_duplicates(
    tenant: Tenant,
):
    enable_education(tenant)
    customer = new_student(tenant)
    [monthly] = eventually(lambda: open_tasks(tenant, customer["id"], "call"), what="monthly")
    profile(tenant, customer["id"], position="senior")
    pay(tenant, customer["id"], 900000)
    tier_becomes(tenant, customer["id"], "key")

    def fortnightly() -> list[dict]:
        calls = open_tasks(tenant, customer["id"], "call")
        return calls if calls and calls[0]["id"] != monthly["id"] else []

    [call] = eventually(fortnightly, what="the key student's call")
    assert "every 15 days" in call["title"]
    assert 14 * DAY < _due(call) - _now() <= 15 * DAY
    canceled = ok(tenant.client.get(f"/tasks/{monthly['id']}"))
    assert canceled["status"] == "canceled"
    # Re-evaluation again and again (profile edits, small payments): nothing new.
    for intent in ("high", "medium", "low"):
        profile(tenant, customer["id"], intent=intent)
        pay(tenant, customer["id"], 100)
    marker = new_student(tenant, "marker")  # its events come after the payments' ones
    eventually(lambda: open_tasks(tenant, marker["id"], "call"), what="the marker's call")
    assert [t["id"] for t in open_tasks(tenant, customer["id"], "call")] == [call["id"]]


def test_a_done_call_brings_the_next_one_a_period_later(tenant: Tenant):
    enable_education(tenant)
    customer = _key_student(tenant)
    [call] = eventually(
        lambda: [t for t in open_tasks(tenant, customer["id"], "call") if "15" in t["title"]],
        what="the key call",
    )
    ok(tenant.client.patch(f"/tasks/{call['id']}", json={"status": "done"}))

    def following() -> list[dict]:
        return [t for t in open_tasks(tenant, customer["id"], "call") if t["id"] != call["id"]]

    [after] = eventually(following, what="the next call")
    assert 14 * DAY < _due(after) - _now() <= 15 * DAY
    assert len(open_tasks(tenant, customer["id"], "call")) == 1


def test_an_override_changes_the_schedule_too(api: Api, tenant: Tenant):
    enable_education(tenant)
    customer = new_student(tenant)
    eventually(lambda: open_tasks(tenant, customer["id"], "call"), what="monthly call")
    _, supervisor = new_user(api, tenant, "supervisor")
    ok(
        supervisor.post(
            "/plugins/education/tier-overrides",
            json={"customer_id": customer["id"], "tier": "key", "reason": "校董家属"},
        )
    )
    eventually(
        lambda: [t for t in open_tasks(tenant, customer["id"], "call") if "15" in t["title"]],
        what="the key call after the override",
    )
    assert len(open_tasks(tenant, customer["id"], "call")) == 1


def test_every_opinion_gets_a_reply_task_within_24_hours_once(tenant: Tenant):
    enable_education(tenant)
    customer = new_student(tenant, "提意见的家长")
    given = ok(
        tenant.client.post(
            f"/customers/{customer['id']}/interactions",
            json={
                "channel": "wechat",
                "direction": "inbound",
                "summary": "作业太多",
                "kind": "feedback",
            },
        ),
        201,
    )
    assert given["kind"] == "feedback"
    ok(
        tenant.client.post(
            f"/customers/{customer['id']}/interactions",
            json={"channel": "phone", "direction": "outbound", "summary": "回访"},
        ),
        201,
    )
    [reply] = eventually(
        lambda: open_tasks(tenant, customer["id"], "feedback_reply"), what="a reply task"
    )
    assert "作业太多" in reply["title"]
    assert reply["priority"] == "high"
    occurred = datetime.datetime.fromisoformat(given["occurred_at"])
    assert _due(reply) - occurred == datetime.timedelta(hours=24)
    eventually(lambda: open_tasks(tenant, customer["id"], "call"), what="later events handled")
    assert len(open_tasks(tenant, customer["id"], "feedback_reply")) == 1


def test_a_referral_rewards_the_referrer_by_tier_and_records_the_discount(tenant: Tenant):
    enable_education(tenant)
    referrer = _key_student(tenant, "老学员")
    newcomer = ok(
        tenant.client.post("/customers", json={"name": "新学员", "referred_by_id": referrer["id"]}),
        201,
    )
    [gift] = eventually(
        lambda: open_tasks(tenant, referrer["id"], "referral_gift"), what="a referral gift"
    )
    assert "3000.00 CNY" not in gift["title"] and "300.00 CNY" in gift["title"]
    assert "新学员" in gift["title"]
    section = eventually(
        lambda: ok(tenant.client.get(f"/customers/{newcomer['id']}"))["plugins"]["education"][
            "referral_discount_percent"
        ],
        what="the discount",
    )
    assert section == 20

    plain = new_student(tenant, "普通老学员")
    second = ok(
        tenant.client.post("/customers", json={"name": "又一位", "referred_by_id": plain["id"]}),
        201,
    )
    [small] = eventually(
        lambda: open_tasks(tenant, plain["id"], "referral_gift"), what="the general gift"
    )
    assert "200.00 CNY" in small["title"]
    discount = eventually(
        lambda: ok(tenant.client.get(f"/customers/{second['id']}"))["plugins"]["education"][
            "referral_discount_percent"
        ],
        what="the 15% discount",
    )
    assert discount == 15


def test_an_enrolment_brings_a_renewal_reminder_for_the_owner(api: Api, tenant: Tenant):
    enable_education(tenant, renewal_reminder_days=30)
    owner_id, _ = new_user(api, tenant, "agent")
    customer = ok(
        tenant.client.post("/customers", json={"name": "续费学员", "owner_id": owner_id}), 201
    )
    ends_on = (_now() + 90 * DAY).date()
    made = enrol(
        tenant, customer["id"], (_now() - 60 * DAY).date().isoformat(), ends_on.isoformat()
    )
    [reminder] = [
        t for t in tasks_of(tenant, customer["id"], "education") if t["kind"] == "renewal_reminder"
    ]
    assert reminder["id"] == made["reminder_task_id"]
    assert reminder["assignee_id"] == owner_id
    due = _due(reminder).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert (due.date(), due.hour) == (ends_on - 30 * DAY, 9)  # Asia/Shanghai, 09:00
    listed = ok(
        tenant.client.get("/plugins/education/enrollments", params={"customer_id": customer["id"]})
    )["items"]
    assert [e["id"] for e in listed] == [made["id"]]
    # Removing the enrolment (supervisor and above) cancels its reminder.
    _, agent = new_user(api, tenant, "agent")
    assert_problem(agent.delete(f"/plugins/education/enrollments/{made['id']}"), 403)
    assert tenant.client.delete(f"/plugins/education/enrollments/{made['id']}").status_code == 204
    assert ok(tenant.client.get(f"/tasks/{reminder['id']}"))["status"] == "canceled"
    assert_problem(tenant.client.get(f"/plugins/education/enrollments/{made['id']}"), 404)


def test_an_enrolment_must_end_after_it_starts(tenant: Tenant):
    enable_education(tenant)
    customer = new_customer(tenant)
    response = tenant.client.post(
        "/plugins/education/enrollments",
        json={
            "customer_id": customer["id"],
            "course": "数学",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-30",
        },
    )
    assert_problem(response, 422)
    assert response.json()["errors"][0]["field"] == "ends_on"


def test_a_service_on_request_reaches_every_student_of_its_tiers(tenant: Tenant):
    enable_education(tenant)
    key = _key_student(tenant)
    general = new_customer(tenant)
    profile(tenant, general["id"], intent="low")
    run = ok(
        tenant.client.post(
            "/plugins/education/services/appreciation_event/runs",
            json={"title": "年终客户答谢会邀请"},
        ),
        202,
    )
    assert (run["service"], run["students"]) == ("appreciation_event", 1)
    [invitation] = eventually(
        lambda: open_tasks(tenant, key["id"], "invitation"), what="an invitation"
    )
    assert "年终客户答谢会邀请" in invitation["title"]
    assert open_tasks(tenant, general["id"], "invitation") == []
    assert student(tenant, general["id"])["tier"] == "general"
    assert_problem(
        tenant.client.post(
            "/plugins/education/services/call_monthly/runs", json={"title": "not on request"}
        ),
        404,
    )


def test_one_tenants_jobs_never_touch_another_tenants_students(
    tenant: Tenant, other_tenant: Tenant
):
    enable_education(tenant)
    enable_education(other_tenant)
    mine = _key_student(tenant, "本校学员")
    theirs = _key_student(other_tenant, "他校学员")
    run = ok(
        tenant.client.post(
            "/plugins/education/services/appreciation_event/runs", json={"title": "答谢会"}
        ),
        202,
    )
    assert run["students"] == 1
    eventually(lambda: open_tasks(tenant, mine["id"], "invitation"), what="my invitation")
    # A referral naming another tenant's customer is refused by the core: no gift anywhere.
    response = tenant.client.post(
        "/customers", json={"name": "冒名推荐", "referred_by_id": theirs["id"]}
    )
    assert_problem(response, 422)
    marker = new_student(other_tenant, "marker")
    eventually(lambda: open_tasks(other_tenant, marker["id"], "call"), what="their later events")
    assert open_tasks(other_tenant, theirs["id"], "invitation") == []
    assert open_tasks(other_tenant, theirs["id"], "referral_gift") == []
    assert_problem(tenant.client.get(f"/plugins/education/students/{theirs['id']}"), 404)


def test_an_attention_student_gets_a_monthly_call(tenant: Tenant):
    """Seed 003 §5 row 2: the monthly call is for attention AND general students."""
    enable_education(tenant)
    customer = new_student(tenant, "关注学员", position="public_sector")
    pay(tenant, customer["id"], 400000)
    tier_becomes(tenant, customer["id"], "attention")
    [call] = eventually(lambda: open_tasks(tenant, customer["id"], "call"), what="a call task")
    assert "every month" in call["title"]
    assert 27 * DAY < _due(call) - _now() <= 31 * DAY


def test_product_news_on_request_reaches_every_tier_for_the_department(tenant: Tenant):
    """Seed 003 §5 row 6: the latest product information, for every student, by the
    department (no one assigned)."""
    enable_education(tenant)
    key = _key_student(tenant)
    attention = new_student(tenant, "关注学员", position="public_sector")
    pay(tenant, attention["id"], 400000)
    tier_becomes(tenant, attention["id"], "attention")
    general = new_student(tenant, "普通学员")
    run = ok(
        tenant.client.post(
            "/plugins/education/services/product_news/runs", json={"title": "新课程上线"}
        ),
        202,
    )
    assert (run["service"], run["students"]) == ("product_news", 3)
    for who in (key, attention, general):
        [news] = eventually(
            lambda who=who: open_tasks(tenant, who["id"], "product_news"), what="product news"
        )
        assert "新课程上线" in news["title"]
        assert news["assignee_id"] is None
