"""Points over HTTP on both backends: earning on payments (rounded down, campaigns,
referrals, activities), refunds, awards and adjustments, the catalogue, redemptions and
their cancellation, expiry, statistics, the customer section, and bad input."""

from __future__ import annotations

import datetime

import pytest

from core.testing.http import Api, Tenant
from core.testing.server import RunningServer
from tests.membership.support import enable_membership, referrals
from tests.plugins.support import new_customer
from tests.points.support import (
    BASE,
    account,
    award,
    balance_becomes,
    deliver,
    enable_points,
    entries,
    redeem,
)
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay, refund
from tests.support.wait import eventually


@pytest.fixture
def shop(tenant: Tenant) -> Tenant:
    enable_points(tenant)
    return tenant


def ago(**delta: float) -> str:
    return (datetime.datetime.now(datetime.UTC) - datetime.timedelta(**delta)).isoformat()


def test_config_defaults_are_the_pinned_ones(shop: Tenant):
    [points] = [p for p in ok(shop.client.get("/plugins"))["items"] if p["name"] == "points"]
    config = points["config"]
    assert config["earn_per_unit"] == 1
    assert config["expiry_months"] == 24
    assert config["refund_policy"] == "within_balance"


def test_a_payment_earns_points_per_major_unit_rounded_down(shop: Tenant):
    customer = new_customer(shop)
    pay(shop, customer["id"], 12399)  # 123.99 CNY → 123 points
    found = balance_becomes(shop, customer["id"], 123)
    assert (found["earned"], found["redeemed"], found["expired"]) == (123, 0, 0)
    [entry] = entries(shop, customer["id"])
    assert entry["kind"] == "earn" and entry["points"] == 123
    assert entry["cause"].startswith("payment:")
    section = ok(shop.client.get(f"/customers/{customer['id']}"))["plugins"]["points"]
    assert section == {"balance": 123}


def test_a_zero_decimal_currency_earns_per_yen(tenant: Tenant):
    enable_points(tenant, earn_per_unit=0.5)
    customer = new_customer(tenant)
    pay(tenant, customer["id"], 999, currency="JPY")  # 999 yen × 0.5 → 499
    balance_becomes(tenant, customer["id"], 499)


def test_a_campaign_multiplies_payments_made_during_it_in_tenant_time(tenant: Tenant):
    now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=8)  # Asia/Shanghai
    start = (now - datetime.timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    end = (now + datetime.timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    campaign = {
        "name": "双十一",
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "multiplier": 1.5,
    }
    enable_points(tenant, campaigns=[campaign])
    customer = new_customer(tenant)
    pay(tenant, customer["id"], 1001)  # 10.01 × 1.5 = 15.015 → 15
    pay(tenant, customer["id"], 1000, occurred_at=ago(days=3))  # before it: 10
    balance_becomes(tenant, customer["id"], 25)


def test_a_bad_campaign_is_a_422_naming_it(tenant: Tenant):
    bad = {"name": "x", "starts_at": "2026-02-01T00:00:00", "ends_at": "2026-01-01T00:00:00"}
    response = tenant.client.put("/plugins/points", json={"config": {"campaigns": [bad]}})
    assert_problem(response, 422)
    assert "campaigns" in response.text


def test_the_same_payment_earns_once_and_a_refund_takes_its_share_back(shop: Tenant):
    customer = new_customer(shop)
    payment = pay(shop, customer["id"], 10000)
    balance_becomes(shop, customer["id"], 100)
    refund(shop, payment, 2550)  # 25.5% of 100 points → 25
    balance_becomes(shop, customer["id"], 75)
    refund(shop, payment, 7450)  # the rest: exactly what it earned, 100 in all
    found = balance_becomes(shop, customer["id"], 0)
    assert found["owed"] == 0
    kinds = sorted((e["kind"], e["points"]) for e in entries(shop, customer["id"]))
    assert kinds == [("earn", 100), ("reverse", -75), ("reverse", -25)]


def test_within_balance_a_refund_of_spent_points_is_owed_and_netted(shop: Tenant):
    customer = new_customer(shop)
    payment = pay(shop, customer["id"], 10000)
    balance_becomes(shop, customer["id"], 100)
    ok(redeem(shop, customer["id"], points=70, reward="水杯"), 201)
    refund(shop, payment, 10000)
    found = balance_becomes(shop, customer["id"], 0)
    assert found["owed"] == 70
    pay(shop, customer["id"], 5000)  # earns 50, all of it owed
    found = eventually(lambda: (a := account(shop, customer["id"]))["owed"] == 20 and a)
    assert found["balance"] == 0
    pay(shop, customer["id"], 5000)  # earns 50: 20 settle the debt, 30 stay
    found = balance_becomes(shop, customer["id"], 30)
    assert found["owed"] == 0
    assert found["earned"] == 200


def test_allow_negative_takes_the_whole_refund(tenant: Tenant):
    enable_points(tenant, refund_policy="allow_negative")
    customer = new_customer(tenant)
    payment = pay(tenant, customer["id"], 10000)
    balance_becomes(tenant, customer["id"], 100)
    ok(redeem(tenant, customer["id"], points=70), 201)
    refund(tenant, payment, 10000)
    balance_becomes(tenant, customer["id"], -70)
    pay(tenant, customer["id"], 10000)
    balance_becomes(tenant, customer["id"], 30)
    assert_problem(redeem(tenant, customer["id"], points=31), 409)
    ok(redeem(tenant, customer["id"], points=30), 201)


def test_redemptions_spend_the_soonest_expiring_points_and_cancel_gives_them_back(
    shop: Tenant,
):
    customer = new_customer(shop)
    pay(shop, customer["id"], 5000, occurred_at=ago(days=300))  # 50, older: expires first
    pay(shop, customer["id"], 3000)  # 30
    balance_becomes(shop, customer["id"], 80)
    redemption = ok(redeem(shop, customer["id"], points=60, reward="保温杯"), 201)
    assert redemption["status"] == "active" and redemption["points"] == 60
    # All 50 of the sooner-expiring lot, then 10 of the later one.
    spent = [(a["points"], a["expires_at"]) for a in redemption["allocations"]]
    assert [points for points, _ in spent] == [50, 10]
    assert spent[0][1] < spent[1][1]
    listed = ok(shop.client.get(f"{BASE}/redemptions", params={"customer_id": customer["id"]}))
    assert listed["items"][0]["allocations"] == redemption["allocations"]
    assert account(shop, customer["id"])["balance"] == 20
    fresh = ok(shop.client.post(f"{BASE}/redemptions/{redemption['id']}/cancel"))
    assert fresh["status"] == "canceled"
    assert account(shop, customer["id"])["balance"] == 80
    assert_problem(shop.client.post(f"{BASE}/redemptions/{redemption['id']}/cancel"), 409)
    found = account(shop, customer["id"])
    assert (found["earned"], found["redeemed"]) == (80, 0)


def test_awards_redemptions_and_cancels_are_on_the_customer_timeline(shop: Tenant):
    customer = new_customer(shop)
    award(shop, customer["id"], 100, reason="生日")
    redemption = ok(redeem(shop, customer["id"], points=40, reward="保温杯"), 201)
    ok(shop.client.post(f"{BASE}/redemptions/{redemption['id']}/cancel"))
    timeline = ok(shop.client.get(f"/customers/{customer['id']}/timeline"))["items"]
    shown = {e["kind"]: e for e in timeline if e["kind"].startswith("points.")}
    assert set(shown) == {"points.awarded", "points.redeemed", "points.redemption_canceled"}
    assert "100" in shown["points.awarded"]["summary"]
    assert "生日" in shown["points.awarded"]["summary"]
    assert shown["points.redeemed"]["data"]["balance"] == 60
    assert shown["points.redeemed"]["data"]["redemption_id"] == redemption["id"]
    assert shown["points.redemption_canceled"]["data"]["balance"] == 100


def test_expiry_takes_only_unspent_points_once(tenant: Tenant):
    enable_points(tenant, expiry_months=6)
    customer = new_customer(tenant)
    pay(tenant, customer["id"], 5000, occurred_at=ago(days=400))  # 50, expired already
    pay(tenant, customer["id"], 3000, occurred_at=ago(days=30))  # 30, live
    balance_becomes(tenant, customer["id"], 80)
    ok(redeem(tenant, customer["id"], points=40), 201)  # all from the old lot (FIFO)
    run = ok(tenant.client.post(f"{BASE}/expiry-runs"))
    assert run["expired_lots"] == 1
    found = account(tenant, customer["id"])
    assert (found["balance"], found["expired"]) == (30, 10)
    assert ok(tenant.client.post(f"{BASE}/expiry-runs"))["expired_lots"] == 0
    assert account(tenant, customer["id"])["balance"] == 30


def test_cancelling_into_an_expired_lot_expires_those_points_at_once(tenant: Tenant):
    enable_points(tenant, expiry_months=6)
    customer = new_customer(tenant)
    pay(tenant, customer["id"], 5000, occurred_at=ago(days=400))  # 50, past its expiry
    pay(tenant, customer["id"], 3000)
    balance_becomes(tenant, customer["id"], 80)
    redemption = ok(redeem(tenant, customer["id"], points=60), 201)  # 50 old + 10 new
    ok(tenant.client.post(f"{BASE}/expiry-runs"))
    assert account(tenant, customer["id"])["balance"] == 20
    ok(tenant.client.post(f"{BASE}/redemptions/{redemption['id']}/cancel"))
    found = account(tenant, customer["id"])
    assert (found["balance"], found["expired"], found["redeemed"]) == (30, 50, 0)


def test_the_catalogue_applies_cost_and_stock(shop: Tenant):
    customer = new_customer(shop)
    award(shop, customer["id"], 1000)
    reward = ok(
        shop.client.post(f"{BASE}/rewards", json={"name": "雅思课程", "cost": 300, "stock": 2}), 201
    )
    assert (reward["cost"], reward["stock"]) == (300, 2)
    first = ok(redeem(shop, customer["id"], reward_id=reward["id"]), 201)
    assert first["points"] == 300 and first["reward"] == "雅思课程"
    ok(redeem(shop, customer["id"], reward_id=reward["id"]), 201)
    assert_problem(redeem(shop, customer["id"], reward_id=reward["id"]), 409)
    assert account(shop, customer["id"])["balance"] == 400
    ok(shop.client.post(f"{BASE}/redemptions/{first['id']}/cancel"))
    [listed] = ok(shop.client.get(f"{BASE}/rewards"))["items"]
    assert listed["stock"] == 1
    ok(redeem(shop, customer["id"], reward_id=reward["id"]), 201)
    stats = ok(shop.client.get(f"{BASE}/stats", params={"from": "2000-01-01", "to": "2100-01-01"}))
    assert stats["top_rewards"][0]["reward_id"] == reward["id"]
    assert stats["top_rewards"][0]["redemptions"] == 2
    assert (stats["earned"], stats["redeemed"], stats["outstanding"]) == (1000, 600, 400)


def test_a_short_balance_is_a_409_and_changes_nothing(shop: Tenant):
    customer = new_customer(shop)
    award(shop, customer["id"], 10)
    assert_problem(redeem(shop, customer["id"], points=11), 409)
    assert account(shop, customer["id"])["balance"] == 10
    assert [e["kind"] for e in entries(shop, customer["id"])] == ["earn"]


def test_adjustments_by_supervisors_within_the_rules(api: Api, shop: Tenant):
    customer = new_customer(shop)
    body = {"customer_id": customer["id"], "points": 50, "reason": "migration"}
    agent = shop.as_role("agent")
    assert_problem(agent.post(f"{BASE}/adjustments", json=body), 403)
    assert_problem(agent.post(f"{BASE}/awards", json=body), 403)
    assert_problem(agent.post(f"{BASE}/rewards", json={"name": "x", "cost": 1}), 403)
    supervisor = shop.as_role("supervisor")
    ok(supervisor.post(f"{BASE}/adjustments", json=body), 201)
    ok(supervisor.post(f"{BASE}/adjustments", json={**body, "points": -20}), 201)
    assert_problem(supervisor.post(f"{BASE}/adjustments", json={**body, "points": -31}), 409)
    found = account(shop, customer["id"])
    assert found["balance"] == 30
    assert [e["kind"] for e in entries(shop, customer["id"])] == ["adjust", "adjust"]
    assert entries(shop, customer["id"])[0]["reason"] == "migration"


def test_activities_and_referrals_earn_once(tenant: Tenant):
    enable_points(
        tenant,
        referral_first_payment_points=200,
        activities=[
            {"on": "task", "kind": "survey", "points": 5},
            {"on": "interaction", "kind": "visit", "points": 3},
        ],
    )
    referrer = new_customer(tenant, "老客户")
    referred = ok(
        tenant.client.post("/customers", json={"name": "新客户", "referred_by_id": referrer["id"]}),
        201,
    )
    pay(tenant, referred["id"], 100)
    pay(tenant, referred["id"], 100)
    balance_becomes(tenant, referrer["id"], 200)
    task = ok(
        tenant.client.post(
            "/tasks", json={"title": "问卷", "kind": "survey", "customer_id": referrer["id"]}
        ),
        201,
    )
    ok(tenant.client.patch(f"/tasks/{task['id']}", json={"status": "done"}))
    ok(
        tenant.client.post(
            f"/customers/{referrer['id']}/interactions",
            json={"channel": "visit", "direction": "inbound", "summary": "来访"},
        ),
        201,
    )
    balance_becomes(tenant, referrer["id"], 208)
    causes = {e["cause"].split(":")[0] for e in entries(tenant, referrer["id"])}
    assert causes == {"referral-first-payment", "activity"}


def test_membership_referral_rewards_arrive_through_the_outbox_and_earn_once(
    server: RunningServer, tenant: Tenant
):
    """A referral rewarded by the membership plugin (`membership.referral_rewarded`,
    delivered by the outbox relay) earns the referrer its points once per referred
    customer (cause `referral:<referred_id>`), however often the event arrives."""
    enable_membership(tenant, referral_rewards={"base": {"points": 50}})
    enable_points(tenant)
    referrer = new_customer(tenant, "老客户")
    friend = ok(
        tenant.client.post("/customers", json={"name": "朋友", "referred_by_id": referrer["id"]}),
        201,
    )
    balance_becomes(tenant, referrer["id"], 50)
    [referral] = referrals(tenant, referrer["id"])
    assert (referral["points"], referral["rewarded"]) == (50, True)
    # Membership's event delivered again, then a second referral: ordered with the
    # referrer's events, so once the second has earned, the repeat has been delivered too.
    again = {"referrer_id": referrer["id"], "referred_id": friend["id"], "level": "base"}
    assert deliver(
        server, tenant, "outbox:membership.referral_rewarded", {**again, "points": 50}, 2
    )
    second = ok(
        tenant.client.post("/customers", json={"name": "同事", "referred_by_id": referrer["id"]}),
        201,
    )
    balance_becomes(tenant, referrer["id"], 100)
    causes = sorted(e["cause"] for e in entries(tenant, referrer["id"]))
    assert causes == sorted([f"referral:{friend['id']}", f"referral:{second['id']}"])
    assert account(tenant, referrer["id"])["earned"] == 100


def test_idempotency_key_replays_a_redemption(shop: Tenant):
    customer = new_customer(shop)
    award(shop, customer["id"], 100)
    headers = {"Idempotency-Key": "redeem-once"}
    body = {"customer_id": customer["id"], "points": 40}
    first = shop.client.post(f"{BASE}/redemptions", json=body, headers=headers)
    again = shop.client.post(f"{BASE}/redemptions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.json()["id"] == again.json()["id"]
    assert account(shop, customer["id"])["balance"] == 60
    other = shop.client.post(f"{BASE}/redemptions", json={**body, "points": 1}, headers=headers)
    assert_problem(other, 409)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("awards", {"points": 0, "reason": "x"}, "points"),
        ("awards", {"points": -5, "reason": "x"}, "points"),
        ("awards", {"points": 5, "reason": " "}, "reason"),
        ("adjustments", {"points": 0, "reason": "x"}, "points"),
        ("redemptions", {"points": 0}, "points"),
        ("redemptions", {}, "points"),
        (
            "redemptions",
            {"points": 5, "reward_id": "00000000-0000-7000-8000-000000000000"},
            "points",
        ),
        ("redemptions", {"points": 5, "reward": ""}, "reward"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(shop: Tenant, path: str, body: dict, field: str):
    customer = new_customer(shop)
    response = shop.client.post(f"{BASE}/{path}", json={"customer_id": customer["id"], **body})
    assert_problem(response, 422, field)


def test_unknown_things_are_404(shop: Tenant, other_tenant: Tenant):
    customer = new_customer(shop)
    award(shop, customer["id"], 100)
    enable_points(other_tenant)
    foreign = new_customer(other_tenant)
    missing = "00000000-0000-7000-8000-000000000000"
    assert_problem(redeem(shop, customer["id"], reward_id=missing), 404)
    assert_problem(redeem(shop, foreign["id"], points=1), 404)
    assert_problem(shop.client.get(f"{BASE}/accounts/{foreign['id']}"), 404)
    assert_problem(shop.client.get(f"{BASE}/accounts/not-an-id"), 404)
    assert_problem(shop.client.post(f"{BASE}/redemptions/{missing}/cancel"), 404)
    body = {"customer_id": foreign["id"], "points": 5, "reason": "x"}
    assert_problem(shop.client.post(f"{BASE}/awards", json=body), 404)
    reward = ok(other_tenant.client.post(f"{BASE}/rewards", json={"name": "x", "cost": 1}), 201)
    assert_problem(redeem(shop, customer["id"], reward_id=reward["id"]), 404)
    bad = shop.client.get(f"{BASE}/stats", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert_problem(bad, 422, "to")


def test_routes_answer_404_when_the_plugin_is_off(tenant: Tenant):
    customer = new_customer(tenant)
    assert_problem(tenant.client.get(f"{BASE}/accounts/{customer['id']}"), 404)


def test_stats_count_tenant_local_days(shop: Tenant):
    """Asia/Shanghai is UTC+8: a payment at 2026-03-01T17:00Z is on 2 March there."""
    customer = new_customer(shop)
    pay(shop, customer["id"], 1000, occurred_at="2026-03-01T15:59:00Z")  # 1 March, 23:59
    pay(shop, customer["id"], 2000, occurred_at="2026-03-01T16:00:00Z")  # 2 March, 00:00
    balance_becomes(shop, customer["id"], 30)

    def stats(start: str, end: str) -> dict:
        found: dict = ok(shop.client.get(f"{BASE}/stats", params={"from": start, "to": end}))
        return found

    assert stats("2026-03-01", "2026-03-01")["earned"] == 10
    assert stats("2026-03-02", "2026-03-02")["earned"] == 20
    march = stats("2026-03-01", "2026-03-31")
    assert (march["earned"], march["outstanding"], march["top_rewards"]) == (30, 30, [])
    assert stats("2026-02-01", "2026-02-28")["outstanding"] == 0
