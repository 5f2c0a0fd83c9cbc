"""Payments and refunds over real HTTP (api.md §2, §4).

`POST /payments` `{customer_id, amount, currency?, kind, occurred_at?, reference?,
refund_of_id?}` → 201; amounts are positive integers of minor units; the currency
defaults to the tenant's (CNY); a refund names a payment of the same customer and never
exceeds what that payment has left (409), not even under concurrent refunds.
"""

from __future__ import annotations

import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.http.support import instant, new_customer
from tests.support.expect import PROBLEM_JSON, assert_problem, created, ok

UTC = datetime.UTC


# -- helpers ----------------------------------------------------------------------------


def pay(client: httpx.Client, customer_id: str, amount: int, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "amount": amount, "kind": "payment", **fields}
    return created(client.post("/payments", json=body))


def refund_body(payment: dict[str, Any], amount: int, **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": payment["customer_id"],
        "amount": amount,
        "kind": "refund",
        "refund_of_id": payment["id"],
        **fields,
    }


def refund(client: httpx.Client, payment: dict[str, Any], amount: int, **fields) -> dict:
    return created(client.post("/payments", json=refund_body(payment, amount, **fields)))


def refunded(client: httpx.Client, payment_id: str) -> int:
    return ok(client.get(f"/payments/{payment_id}"))["refunded"]


def payments(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every payment and refund the list yields, following cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get("/payments", params=query))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len({p["id"] for p in items}) == len(items), "a payment was listed twice"
    return items


def owner_id(tenant: Tenant) -> str:
    users = ok(tenant.client.get("/users"))["items"]
    owners = [user["id"] for user in users if user["role"] == "owner"]
    assert len(owners) == 1, users
    return owners[0]


# -- payments ---------------------------------------------------------------------------


def test_a_payment_is_recorded_in_the_tenants_currency_by_default(tenant: Tenant):
    c = tenant.client
    assert ok(c.get("/tenant"))["currency"] == "CNY"
    customer = new_customer(c)
    before = datetime.datetime.now(UTC) - datetime.timedelta(seconds=5)
    payment = pay(c, customer["id"], 12345, reference="RCPT-001")
    after = datetime.datetime.now(UTC) + datetime.timedelta(seconds=5)
    assert payment["currency"] == "CNY"
    assert payment["amount"] == 12345
    assert payment["kind"] == "payment"
    assert payment["customer_id"] == customer["id"]
    assert payment["reference"] == "RCPT-001"
    assert payment["refund_of_id"] is None
    assert payment["refunded"] == 0
    assert payment["recorded_by"] == owner_id(tenant)
    assert before <= instant(payment["occurred_at"]) <= after
    uuid.UUID(payment["id"])
    assert ok(c.get(f"/payments/{payment['id']}")) == payment


def test_kind_defaults_to_payment(tenant: Tenant):
    customer = new_customer(tenant.client)
    body = {"customer_id": customer["id"], "amount": 100}
    payment = created(tenant.client.post("/payments", json=body))
    assert payment["kind"] == "payment"
    assert payment["currency"] == "CNY"


def test_an_explicit_currency_and_a_past_occurred_at_are_kept(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    when = "2023-12-31T23:59:59+08:00"
    payment = pay(c, customer["id"], 999, currency="USD", occurred_at=when)
    assert payment["currency"] == "USD"
    assert instant(payment["occurred_at"]) == instant(when)
    fetched = ok(c.get(f"/payments/{payment['id']}"))
    assert fetched["currency"] == "USD"
    assert instant(fetched["occurred_at"]) == instant(when)


@pytest.mark.parametrize("amount", [0, -5, 10**20, 10**13 + 1, 1.5, None])
def test_an_amount_that_is_not_a_positive_bounded_integer_is_422(tenant: Tenant, amount: Any):
    c = tenant.client
    customer = new_customer(c)
    response = c.post("/payments", json={"customer_id": customer["id"], "amount": amount})
    assert_problem(response, 422, "amount")
    assert payments(c, customer_id=customer["id"]) == []


def test_the_largest_amount_is_accepted(tenant: Tenant):
    customer = new_customer(tenant.client)
    payment = pay(tenant.client, customer["id"], 10**13)
    assert ok(tenant.client.get(f"/payments/{payment['id']}"))["amount"] == 10**13


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"currency": "cny"}, "currency"),
        ({"currency": "YUAN"}, "currency"),
        ({"kind": "chargeback"}, "kind"),
        ({"occurred_at": "2024-01-01T10:00:00"}, "occurred_at"),
        ({"reference": "r" * 201}, "reference"),
        ({"note": "unknown field"}, None),
    ],
)
def test_an_invalid_payment_is_422(tenant: Tenant, fields: dict[str, Any], field: str | None):
    c = tenant.client
    customer = new_customer(c)
    response = c.post("/payments", json={"customer_id": customer["id"], "amount": 100, **fields})
    assert_problem(response, 422, field)
    assert payments(c, customer_id=customer["id"]) == []


def test_a_payment_of_an_unknown_deleted_or_foreign_customer_is_422(
    tenant: Tenant, other_tenant: Tenant
):
    c = tenant.client
    deleted = new_customer(c)
    assert c.delete(f"/customers/{deleted['id']}").status_code == 204
    foreign = new_customer(other_tenant.client)
    for customer_id in (str(uuid.uuid4()), deleted["id"], foreign["id"]):
        response = c.post("/payments", json={"customer_id": customer_id, "amount": 100})
        assert_problem(response, 422, "customer_id")
    assert_problem(c.post("/payments", json={"amount": 100}), 422)
    assert payments(c) == []
    assert payments(other_tenant.client) == []


def test_an_unknown_or_foreign_payment_is_404(tenant: Tenant, other_tenant: Tenant):
    theirs = pay(other_tenant.client, new_customer(other_tenant.client)["id"], 700)
    for payment_id in (str(uuid.uuid4()), "not-a-uuid", theirs["id"]):
        assert_problem(tenant.client.get(f"/payments/{payment_id}"), 404)


# -- refunds ----------------------------------------------------------------------------


def test_a_refund_without_refund_of_id_is_422(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    pay(c, customer["id"], 1000)
    response = c.post(
        "/payments", json={"customer_id": customer["id"], "amount": 100, "kind": "refund"}
    )
    assert_problem(response, 422, "refund_of_id")
    assert [p["kind"] for p in payments(c, customer_id=customer["id"])] == ["payment"]


def test_refund_of_id_on_a_payment_is_422(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    first = pay(c, customer["id"], 1000)
    body = {"customer_id": customer["id"], "amount": 100, "kind": "payment"}
    assert_problem(
        c.post("/payments", json={**body, "refund_of_id": first["id"]}), 422, "refund_of_id"
    )
    assert [p["id"] for p in payments(c, customer_id=customer["id"])] == [first["id"]]
    assert refunded(c, first["id"]) == 0


def test_a_refund_of_another_customers_payment_is_422(tenant: Tenant):
    c = tenant.client
    payer, other = new_customer(c), new_customer(c)
    payment = pay(c, payer["id"], 1000)
    body = refund_body(payment, 100, customer_id=other["id"])
    assert_problem(c.post("/payments", json=body), 422, "refund_of_id")
    assert refunded(c, payment["id"]) == 0
    assert payments(c, customer_id=other["id"]) == []


def test_a_refund_of_an_unknown_or_foreign_payment_is_422(tenant: Tenant, other_tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    theirs = pay(other_tenant.client, new_customer(other_tenant.client)["id"], 1000)
    for payment_id in (str(uuid.uuid4()), theirs["id"]):
        body = {
            "customer_id": customer["id"],
            "amount": 100,
            "kind": "refund",
            "refund_of_id": payment_id,
        }
        assert_problem(c.post("/payments", json=body), 422, "refund_of_id")
    assert refunded(other_tenant.client, theirs["id"]) == 0


def test_a_refund_of_a_refund_is_422(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    payment = pay(c, customer["id"], 1000)
    first = refund(c, payment, 100)
    body = {**refund_body(payment, 50), "refund_of_id": first["id"]}
    assert_problem(c.post("/payments", json=body), 422, "refund_of_id")
    assert refunded(c, payment["id"]) == 100


def test_a_refund_never_exceeds_what_the_payment_has_left(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    payment = pay(c, customer["id"], 1000)

    first = refund(c, payment, 300, reference="partial 1")
    assert first["kind"] == "refund"
    assert first["refund_of_id"] == payment["id"]
    assert first["amount"] == 300
    assert first["currency"] == "CNY"
    assert first["refunded"] is None  # only a payment has refunds
    assert refunded(c, payment["id"]) == 300

    assert_problem(c.post("/payments", json=refund_body(payment, 701)), 409)
    assert refunded(c, payment["id"]) == 300

    refund(c, payment, 700)  # exactly what is left
    assert refunded(c, payment["id"]) == 1000

    body = assert_problem(c.post("/payments", json=refund_body(payment, 1)), 409)
    assert body["type"] != "about:blank"
    assert refunded(c, payment["id"]) == 1000
    kinds = sorted(p["kind"] for p in payments(c, customer_id=customer["id"]))
    assert kinds == ["payment", "refund", "refund"]


def test_a_refund_larger_than_the_payment_is_409(tenant: Tenant):
    c = tenant.client
    payment = pay(c, new_customer(c)["id"], 500)
    assert_problem(c.post("/payments", json=refund_body(payment, 501)), 409)
    assert refunded(c, payment["id"]) == 0


def test_refunds_of_one_payment_leave_other_payments_alone(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    one, two = pay(c, customer["id"], 1000), pay(c, customer["id"], 1000)
    refund(c, one, 1000)
    assert refunded(c, one["id"]) == 1000
    assert refunded(c, two["id"]) == 0
    refund(c, two, 400)
    assert refunded(c, two["id"]) == 400


def test_a_refund_takes_the_payments_currency(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    payment = pay(c, customer["id"], 1000, currency="USD")
    made = refund(c, payment, 100)
    assert made["currency"] == "USD"
    assert_problem(
        c.post("/payments", json=refund_body(payment, 100, currency="CNY")), 422, "currency"
    )
    assert refund(c, payment, 100, currency="USD")["currency"] == "USD"
    assert refunded(c, payment["id"]) == 200


# -- listing ----------------------------------------------------------------------------


def test_payments_list_filters_by_customer(tenant: Tenant):
    c = tenant.client
    ann, bob = new_customer(c, name="Ann"), new_customer(c, name="Bob")
    ann_payment = pay(c, ann["id"], 1000)
    ann_refund = refund(c, ann_payment, 250)
    bob_payments = {pay(c, bob["id"], 300)["id"], pay(c, bob["id"], 400)["id"]}

    listed_ann = {p["id"]: p for p in payments(c, customer_id=ann["id"])}
    assert set(listed_ann) == {ann_payment["id"], ann_refund["id"]}
    assert listed_ann[ann_payment["id"]]["refunded"] == 250
    assert listed_ann[ann_refund["id"]]["refunded"] is None
    assert {p["id"] for p in payments(c, customer_id=bob["id"])} == bob_payments
    assert {p["id"] for p in payments(c)} == {*listed_ann, *bob_payments}
    assert payments(c, customer_id=str(uuid.uuid4())) == []


def test_payments_paginate_with_a_cursor(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    made = {pay(c, customer["id"], 100 + i)["id"] for i in range(7)}
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = ok(c.get("/payments", params={"limit": 3, **({"cursor": cursor} if cursor else {})}))
        assert len(page["items"]) <= 3
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == made


# -- roles ------------------------------------------------------------------------------


def test_a_viewer_cannot_record_payments_or_refunds(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    payment = pay(c, customer["id"], 1000)
    viewer = tenant.as_role("viewer")
    assert_problem(viewer.post("/payments", json={"customer_id": customer["id"], "amount": 1}), 403)
    assert_problem(viewer.post("/payments", json=refund_body(payment, 100)), 403)
    assert [p["id"] for p in payments(viewer, customer_id=customer["id"])] == [payment["id"]]
    assert refunded(viewer, payment["id"]) == 0


def test_an_agent_records_payments_in_their_name(api: Api, tenant: Tenant):
    suffix = uuid.uuid4().hex[:8]
    user = created(
        tenant.client.post(
            "/users",
            json={"name": "Cashier", "email": f"cashier-{suffix}@example.com", "role": "agent"},
        )
    )
    key = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": "till"}))
    agent = api.client(key["key"])
    customer = new_customer(tenant.client)
    payment = pay(agent, customer["id"], 800)
    assert payment["recorded_by"] == user["id"]
    assert refund(agent, payment, 800)["recorded_by"] == user["id"]


# -- concurrency ------------------------------------------------------------------------


def test_concurrent_refunds_never_exceed_the_payment(api: Api, tenant: Tenant):
    customer = new_customer(tenant.client)
    payment = pay(tenant.client, customer["id"], 500)
    clients = [api.client(tenant.owner_key) for _ in range(10)]
    body = refund_body(payment, 100)

    def attempt(client: httpx.Client) -> httpx.Response:
        return client.post("/payments", json=body)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(attempt, clients))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 5 + [409] * 5, [(r.status_code, r.text[:200]) for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert response.json()["status"] == 409
    assert refunded(tenant.client, payment["id"]) == 500
    refunds = [
        p for p in payments(tenant.client, customer_id=customer["id"]) if p["kind"] == "refund"
    ]
    assert len(refunds) == 5
    assert sum(p["amount"] for p in refunds) == 500
