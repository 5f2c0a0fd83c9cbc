"""Helpers for the membership tests."""

from __future__ import annotations

from typing import Any

from core.testing.http import Tenant
from tests.support.expect import ok
from tests.support.wait import eventually

# A small ladder: silver from 1000 over two purchases, gold from 5000 over three purchases
# and one referral.
LADDER = [
    {"name": "base", "benefits": {"discount_percent": 0}},
    {"name": "silver", "min_spend": 1000, "min_purchases": 2, "benefits": {"discount_percent": 5}},
    {
        "name": "gold",
        "min_spend": 5000,
        "min_purchases": 3,
        "min_referrals": 1,
        "benefits": {"discount_percent": 10, "lounge": True},
    },
]


def enable_membership(tenant: Tenant, **config: Any) -> dict[str, Any]:
    body = {"levels": LADDER, **config}
    state: dict[str, Any] = ok(tenant.client.put("/plugins/membership", json={"config": body}))
    return state


def member(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(tenant.client.get(f"/plugins/membership/members/{customer_id}"))
    return found


def level_becomes(tenant: Tenant, customer_id: str, level: str | None) -> dict[str, Any]:
    """The member once their stored level in force is `level` (events act after commit; a
    member not evaluated yet reads as what the rule gives now, `evaluated_at` null)."""
    found: dict[str, Any] = eventually(
        lambda: (
            (m := member(tenant, customer_id))["level"] == level
            and m["evaluated_at"] is not None
            and m
        ),
        what=f"level {level}",
    )
    return found


def customer(tenant: Tenant, name: str = "会员", **fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = ok(tenant.client.post("/customers", json={"name": name, **fields}), 201)
    return made


def referrals(tenant: Tenant, referrer_id: str) -> list[dict[str, Any]]:
    page = ok(
        tenant.client.get("/plugins/membership/referrals", params={"referrer_id": referrer_id})
    )
    items: list[dict[str, Any]] = page["items"]
    return items
