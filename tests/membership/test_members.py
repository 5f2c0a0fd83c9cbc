"""Membership over HTTP against the real server: the config and its validation, levels moved
by payments, refunds and referrals, the section, level changes on the timeline, pins,
statistics, the list filter, referral rewards and their cap, isolation."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.http import Api, Tenant
from tests.membership.support import (
    LADDER,
    customer,
    enable_membership,
    level_becomes,
    member,
    referrals,
)
from tests.plugins.support import new_user
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay, refund
from tests.support.wait import eventually


@pytest.fixture
def shop(tenant: Tenant) -> Tenant:
    enable_membership(tenant)
    return tenant


# -- config --------------------------------------------------------------------------------
def test_the_defaults_are_a_working_ladder(tenant: Tenant) -> None:
    state = ok(tenant.client.put("/plugins/membership", json={"config": {}}))
    levels = state["config"]["levels"]
    assert [level["name"] for level in levels] == ["ordinary", "silver", "gold", "platinum"]
    assert levels[0]["min_spend"] == levels[0]["min_purchases"] == levels[0]["min_referrals"] == 0
    assert state["config"]["window_months"] == 12
    someone = customer(tenant)
    assert level_becomes(tenant, someone["id"], "ordinary")["benefits"] == {"discount_percent": 0}


def _ladder(**changes: Any) -> list[dict[str, Any]]:
    """LADDER with `changes` ({"2.min_spend": 10}) applied."""
    ladder = [dict(level) for level in LADDER]
    for key, value in changes.items():
        index, field = key.split(".")
        ladder[int(index)][field] = value
    return ladder


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"levels": _ladder(**{"2.min_spend": 999})}, "config.levels[2].min_spend"),
        ({"levels": _ladder(**{"2.min_purchases": 1})}, "config.levels[2].min_purchases"),
        ({"levels": _ladder(**{"1.min_referrals": 2})}, "config.levels[2].min_referrals"),
        ({"levels": _ladder(**{"1.min_spend": -1})}, "config.levels[1].min_spend"),
        ({"levels": _ladder(**{"0.min_referrals": -5})}, "config.levels[0].min_referrals"),
        ({"levels": _ladder(**{"2.name": "silver"})}, "config.levels[2].name"),
        ({"levels": _ladder(**{"1.name": "Silver!"})}, "config.levels[1].name"),
        ({"levels": []}, "config.levels"),
        ({"levels": _ladder(**{"1.min_spend": "1000"})}, "config.levels[1].min_spend"),
        ({"window_months": 0}, "config.window_months"),
        ({"downgrade_grace_days": -1}, "config.downgrade_grace_days"),
        ({"referral_rewards": {"diamond": {"points": 5}}}, "config.referral_rewards.diamond"),
        ({"referral_rewards": {"gold": {}}}, "config.referral_rewards.gold"),
        ({"referral_rewards": {"gold": {"points": 0}}}, "config.referral_rewards.gold.points"),
        ({"referral_reward_cap": {"count": 0}}, "config.referral_reward_cap.count"),
        ({"levelz": []}, "config"),
    ],
)
def test_a_bad_ladder_is_a_422_naming_the_field(
    tenant: Tenant, config: dict[str, Any], field: str
) -> None:
    body = {"levels": LADDER, **config}
    assert_problem(tenant.client.put("/plugins/membership", json={"config": body}), 422, field)


# -- payments and refunds ------------------------------------------------------------------
def test_payments_raise_the_level_and_refunds_lower_it(shop: Tenant) -> None:
    buyer = customer(shop)
    assert level_becomes(shop, buyer["id"], "base")["computed_level"] == "base"
    first = pay(shop, buyer["id"], 500)
    level_becomes(shop, buyer["id"], "base")
    pay(shop, buyer["id"], 500)  # spend exactly 1000 over two purchases
    silver = level_becomes(shop, buyer["id"], "silver")
    assert silver["benefits"] == {"discount_percent": 5}
    assert silver["window"] == {"spend": 1000, "purchases": 2, "referrals": 0}
    refund(shop, first, 1)  # one below the minimum
    lowered = level_becomes(shop, buyer["id"], "base")
    assert lowered["window"]["spend"] == 999
    # Payments in another currency do not count.
    pay(shop, buyer["id"], 9000, currency="USD")
    pay(shop, buyer["id"], 1)
    assert level_becomes(shop, buyer["id"], "silver")["window"]["spend"] == 1000


def test_the_section_history_and_timeline_show_the_level(shop: Tenant) -> None:
    buyer = customer(shop)
    plain = customer(shop, "普通")
    level_becomes(shop, buyer["id"], "base")
    pay(shop, buyer["id"], 600)
    pay(shop, buyer["id"], 600)
    level_becomes(shop, buyer["id"], "silver")
    section = ok(shop.client.get(f"/customers/{buyer['id']}"))["plugins"]["membership"]
    assert section["level"] == section["computed_level"] == "silver"
    assert section["benefits"] == {"discount_percent": 5}
    assert section["pinned"] is None
    history = ok(shop.client.get(f"/plugins/membership/members/{buyer['id']}/level-changes"))
    assert [(c["old_level"], c["new_level"]) for c in history] == [
        ("base", "silver"),
        (None, "base"),
    ]
    # What triggered it (whichever event's evaluation first saw both payments: the customer's
    # creation, a payment, the enabling), and the window's totals it found.
    assert history[0]["reason"].split(":")[0] in {
        "payment recorded",
        "new customer",
        "plugin enabled",
    }
    assert "spend 1200, purchases 2, referrals 0" in history[0]["reason"]
    timeline = ok(shop.client.get(f"/customers/{buyer['id']}/timeline"))["items"]
    changes = [e for e in timeline if e["kind"] == "membership.level_changed"]
    # The first level is recorded, not announced: one entry, for base → silver.
    assert len(changes) == 1
    assert changes[0]["data"] == {"old": "base", "new": "silver", "reason": history[0]["reason"]}
    # ?membership.level=… lists the members of a level.
    level_becomes(shop, plain["id"], "base")
    listed = ok(shop.client.get("/customers", params={"membership.level": "silver"}))["items"]
    assert [c["id"] for c in listed] == [buyer["id"]]
    base = ok(shop.client.get("/customers", params={"membership.level": "base"}))["items"]
    assert [c["id"] for c in base] == [plain["id"]]
    assert_problem(shop.client.get("/customers", params={"membership.level": "diamond"}), 422)
    stats = ok(shop.client.get("/plugins/membership/stats"))
    assert stats == {
        "levels": [
            {"name": "base", "members": 1},
            {"name": "silver", "members": 1},
            {"name": "gold", "members": 0},
        ],
        "without_level": 0,
        "total": 2,
    }


# -- referrals -----------------------------------------------------------------------------
def test_referrals_count_and_reward_the_referrer_once(shop: Tenant) -> None:
    referrer = customer(shop, "推荐人")
    for _ in range(3):
        pay(shop, referrer["id"], 2000)
    assert level_becomes(shop, referrer["id"], "silver")["window"]["referrals"] == 0
    friend = customer(shop, "朋友", referred_by_id=referrer["id"])
    gold = level_becomes(shop, referrer["id"], "gold")
    assert gold["window"]["referrals"] == 1
    [referral] = eventually(lambda: referrals(shop, referrer["id"]), what="the referral")
    assert referral["referred_id"] == friend["id"]
    # The default reward of a level named gold: 300 points and a gift task.
    assert (referral["referrer_level"], referral["rewarded"]) == ("gold", True)
    assert referral["points"] == 300 and referral["task_id"] is not None
    # Given a referrer later, an already referred customer is no new referral.
    other = customer(shop, "另一位")
    ok(shop.client.patch(f"/customers/{friend['id']}", json={"referred_by_id": other["id"]}))
    level_becomes(shop, referrer["id"], "silver")  # the friend no longer counts for them
    assert len(referrals(shop, referrer["id"])) == 1
    assert referrals(shop, other["id"]) == []


def test_the_reward_follows_the_referrers_level_and_the_cap(shop: Tenant) -> None:
    enable_membership(
        shop,
        referral_rewards={
            "base": {"points": 50},
            "silver": {"points": 100, "gift_task": "寄送推荐礼品"},
        },
        referral_reward_cap={"count": 2, "period_months": 12},
    )
    referrer = customer(shop, "推荐人")
    pay(shop, referrer["id"], 600)
    pay(shop, referrer["id"], 600)
    level_becomes(shop, referrer["id"], "silver")
    for name in ("甲", "乙", "丙"):
        customer(shop, name, referred_by_id=referrer["id"])
    found = eventually(
        lambda: len(r := referrals(shop, referrer["id"])) == 3 and r, what="three referrals"
    )
    rewarded = [r for r in found if r["rewarded"]]
    assert [(r["referrer_level"], r["points"]) for r in rewarded] == [("silver", 100)] * 2
    [capped] = [r for r in found if not r["rewarded"]]
    assert "cap of 2" in capped["note"] and capped["points"] == 0
    tasks = ok(shop.client.get("/tasks", params={"customer_id": referrer["id"]}))["items"]
    gifts = [t for t in tasks if t["source"] == "membership"]
    assert sorted(t["id"] for t in gifts) == sorted(r["task_id"] for r in rewarded)
    assert {(t["title"], t["kind"]) for t in gifts} == {("寄送推荐礼品", "referral_gift")}
    owner = next(u for u in ok(shop.client.get("/users"))["items"] if u["role"] == "owner")
    assert {t["assignee_id"] for t in gifts} == {None}  # the referrer has no owner
    assert owner  # (a referrer with an owner: see the next test)


def test_the_gift_task_goes_to_the_referrers_owner(api: Api, shop: Tenant) -> None:
    enable_membership(shop, referral_rewards={"base": {"gift_task": "寄送推荐礼品"}})
    agent_id, _ = new_user(api, shop, "agent")
    referrer = customer(shop, "推荐人", owner_id=agent_id)
    customer(shop, "朋友", referred_by_id=referrer["id"])
    [referral] = eventually(lambda: referrals(shop, referrer["id"]), what="the referral")
    assert (referral["rewarded"], referral["points"]) == (True, 0)
    task = ok(shop.client.get(f"/tasks/{referral['task_id']}"))
    assert (task["assignee_id"], task["customer_id"]) == (agent_id, referrer["id"])


def test_self_referral_and_cycles_are_422(shop: Tenant) -> None:
    a = customer(shop, "A")
    b = customer(shop, "B", referred_by_id=a["id"])
    assert_problem(
        shop.client.patch(f"/customers/{a['id']}", json={"referred_by_id": a["id"]}),
        422,
        "referred_by_id",
    )
    assert_problem(
        shop.client.patch(f"/customers/{a['id']}", json={"referred_by_id": b["id"]}),
        422,
        "referred_by_id",
    )


# -- pins ----------------------------------------------------------------------------------
def test_a_supervisor_pins_a_level_with_a_reason(api: Api, shop: Tenant) -> None:
    buyer = customer(shop)
    level_becomes(shop, buyer["id"], "base")
    body = {"customer_id": buyer["id"], "level": "gold", "reason": "战略合作伙伴"}
    _, agent = new_user(api, shop, "agent")
    assert_problem(agent.post("/plugins/membership/level-pins", json=body), 403)
    _, supervisor = new_user(api, shop, "supervisor")
    pinned = ok(supervisor.post("/plugins/membership/level-pins", json=body))
    assert (pinned["level"], pinned["computed_level"]) == ("gold", "base")
    assert pinned["pinned"]["reason"] == "战略合作伙伴"
    assert pinned["benefits"]["lounge"] is True
    # Payments re-evaluate the computed level; the pin stays in force.
    pay(shop, buyer["id"], 600)
    pay(shop, buyer["id"], 600)
    eventually(lambda: member(shop, buyer["id"])["computed_level"] == "silver", what="silver")
    assert member(shop, buyer["id"])["level"] == "gold"
    section = ok(shop.client.get(f"/customers/{buyer['id']}"))["plugins"]["membership"]
    assert (section["level"], section["computed_level"]) == ("gold", "silver")
    unpinned = ok(
        supervisor.post(
            "/plugins/membership/level-pins",
            json={"customer_id": buyer["id"], "level": None, "reason": "合作结束"},
        )
    )
    assert (unpinned["level"], unpinned["pinned"]) == ("silver", None)
    history = ok(shop.client.get(f"/plugins/membership/members/{buyer['id']}/level-changes"))
    assert [(c["new_level"], c["pinned"]) for c in history[:2]] == [
        ("silver", False),
        ("gold", True),
    ]
    assert history[0]["reason"] == "pin removed: 合作结束"
    assert history[1]["reason"] == "pinned to gold: 战略合作伙伴"


def test_bad_pins_are_4xx_never_500(shop: Tenant, other_tenant: Tenant) -> None:
    mine = customer(shop)
    enable_membership(other_tenant)
    theirs = customer(other_tenant)
    url = "/plugins/membership/level-pins"
    post = shop.client.post
    assert_problem(
        post(url, json={"customer_id": mine["id"], "level": "diamond", "reason": "x"}),
        422,
        "level",
    )
    assert_problem(
        post(url, json={"customer_id": mine["id"], "level": "gold", "reason": " "}), 422, "reason"
    )
    assert_problem(post(url, json={"customer_id": mine["id"], "level": "gold"}), 422)
    assert_problem(
        post(url, json={"customer_id": "nope", "level": "gold", "reason": "x"}), 422, "customer_id"
    )
    assert_problem(
        post(url, json={"customer_id": theirs["id"], "level": "gold", "reason": "x"}), 404
    )
    for path in ("", "/level-changes"):
        assert_problem(shop.client.get(f"/plugins/membership/members/{theirs['id']}{path}"), 404)
        assert_problem(shop.client.get(f"/plugins/membership/members/not-an-id{path}"), 404)
    assert member(other_tenant, theirs["id"])["pinned"] is None


def test_a_tenant_without_the_plugin_gets_404(tenant: Tenant) -> None:
    someone = customer(tenant)
    assert_problem(tenant.client.get(f"/plugins/membership/members/{someone['id']}"), 404)
    assert_problem(tenant.client.get("/plugins/membership/stats"), 404)
    assert "membership" not in ok(tenant.client.get(f"/customers/{someone['id']}"))["plugins"]
