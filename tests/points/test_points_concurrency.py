"""Exactly once under concurrency: parallel redemptions against one account, and the same
payment event delivered several times at once (PostgreSQL, where transactions really run
side by side; SQLite serialises writers)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.testing.http import Api, Tenant
from core.testing.server import RunningServer
from tests.plugins.support import new_customer
from tests.points.support import (
    BASE,
    account,
    award,
    balance_becomes,
    deliver,
    enable_points,
    entries,
)
from tests.support.expect import ok
from tests.support.payments import pay

pytestmark = pytest.mark.postgres_only


def test_forty_parallel_redemptions_against_a_balance_for_ten(api: Api, tenant: Tenant):
    enable_points(tenant)
    customer = new_customer(tenant)
    award(tenant, customer["id"], 100)
    body = {"customer_id": customer["id"], "points": 10}

    def attempt(_: int) -> int:
        with api.client(tenant.owner_key) as client:
            return client.post(f"{BASE}/redemptions", json=body).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert sorted(statuses) == [201] * 10 + [409] * 30
    found = account(tenant, customer["id"])
    assert (found["balance"], found["redeemed"]) == (0, 100)
    assert sum(1 for e in entries(tenant, customer["id"]) if e["kind"] == "redeem") == 10


def test_parallel_catalogue_redemptions_never_oversell(api: Api, tenant: Tenant):
    enable_points(tenant)
    reward = ok(
        tenant.client.post(f"{BASE}/rewards", json={"name": "杯", "cost": 1, "stock": 5}), 201
    )
    customers = [new_customer(tenant, f"c{i}")["id"] for i in range(10)]
    for customer_id in customers:
        award(tenant, customer_id, 10)

    def attempt(customer_id: str) -> int:
        with api.client(tenant.owner_key) as client:
            body = {"customer_id": customer_id, "reward_id": reward["id"]}
            return client.post(f"{BASE}/redemptions", json=body).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, customers))
    assert sorted(statuses) == [201] * 5 + [409] * 5
    [listed] = ok(tenant.client.get(f"{BASE}/rewards"))["items"]
    assert listed["stock"] == 0


def test_the_same_payment_event_delivered_again_and_at_once_earns_once(
    server: RunningServer, tenant: Tenant
):
    enable_points(tenant)
    customer = new_customer(tenant)
    payment = pay(tenant, customer["id"], 12345)
    balance_becomes(tenant, customer["id"], 123)  # the relay's delivery
    # Delivered again, eight times at once, with a payment the relay never saw as well.
    unseen = {**payment, "id": str(uuid.uuid4()), "amount": 1000}
    for event, expected in ((payment, 0), (unseen, 1)):
        assert deliver(server, tenant, "payment.recorded", event, 8) == expected
    found = account(tenant, customer["id"])
    assert found["balance"] == found["earned"] == 133
    causes = [e["cause"] for e in entries(tenant, customer["id"])]
    assert len(causes) == len(set(causes)) == 2


def test_membership_referral_rewards_earn_once_per_referred_customer(
    server: RunningServer, tenant: Tenant
):
    """The contract with membership: `membership.referral_rewarded` → an `earn` with cause
    `referral:<referred_id>`, however often it is delivered."""
    enable_points(tenant)
    referrer = new_customer(tenant, "老客户")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    event = {"referrer_id": referrer["id"], "referred_id": first, "level": "gold", "points": 300}
    assert deliver(server, tenant, "membership.referral_rewarded", event, 6) == 300
    event = {**event, "referred_id": second, "points": 50}
    assert deliver(server, tenant, "membership.referral_rewarded", event, 3) == 350
    causes = sorted(e["cause"] for e in entries(tenant, referrer["id"]))
    assert causes == sorted([f"referral:{first}", f"referral:{second}"])
    assert account(tenant, referrer["id"])["earned"] == 350
