"""Payments and refunds made through the API, for the plugins that act on them
(education tiers, membership levels, points earnings). Both fail the test unless 201."""

from __future__ import annotations

from typing import Any

from core.testing.http import Tenant
from tests.support.expect import ok


def pay(tenant: Tenant, customer_id: str, amount: int, **extra: Any) -> dict[str, Any]:
    """Record a payment of `amount` by the customer; `extra` adds body fields."""
    payment: dict[str, Any] = ok(
        tenant.client.post(
            "/payments",
            json={"customer_id": customer_id, "amount": amount, "kind": "payment", **extra},
        ),
        201,
    )
    return payment


def refund(tenant: Tenant, payment: dict[str, Any], amount: int) -> dict[str, Any]:
    """Refund `amount` of `payment`."""
    made: dict[str, Any] = ok(
        tenant.client.post(
            "/payments",
            json={
                "customer_id": str(payment["customer_id"]),
                "amount": amount,
                "kind": "refund",
                "refund_of_id": payment["id"],
            },
        ),
        201,
    )
    return made
