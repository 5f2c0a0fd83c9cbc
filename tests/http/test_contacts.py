"""Contacts over real HTTP (api.md §2, §4): the people attached to a customer.

`POST|GET /customers/{id}/contacts`, `PATCH|DELETE /contacts/{id}`; phones stored in
E.164, e-mails validated, at most one primary contact per customer, nothing reachable
through a soft-deleted customer, phones masked below supervisor.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.http.support import new_customer
from tests.support.expect import assert_problem, created, ok

PHONE_E164 = "+8613812345678"
PHONE_MASKED = "+86 138****5678"


# -- helpers ----------------------------------------------------------------------------


def new_contact(client: httpx.Client, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Contact", **fields}
    return created(client.post(f"/customers/{customer_id}/contacts", json=body))


def contacts_of(client: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    body = ok(client.get(f"/customers/{customer_id}/contacts", params={"limit": 500}))
    assert body["next_cursor"] is None
    return body["items"]


def primaries(client: httpx.Client, customer_id: str) -> list[str]:
    return [c["id"] for c in contacts_of(client, customer_id) if c["is_primary"]]


# -- create, list, patch, delete --------------------------------------------------------


def test_contact_is_created_listed_patched_and_deleted(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    contact = new_contact(
        c, customer["id"], name="王妈妈", relation="mother", email="mum@example.com"
    )
    assert contact["customer_id"] == customer["id"]
    assert contact["name"] == "王妈妈"
    assert contact["relation"] == "mother"
    assert contact["email"] == "mum@example.com"
    assert contact["phone"] is None
    assert contact["is_primary"] is False
    uuid.UUID(contact["id"])

    assert [x["id"] for x in contacts_of(c, customer["id"])] == [contact["id"]]

    patched = ok(c.patch(f"/contacts/{contact['id']}", json={"name": "王女士", "relation": None}))
    assert patched["id"] == contact["id"]
    assert patched["name"] == "王女士"
    assert patched["relation"] is None
    assert patched["email"] == "mum@example.com"  # untouched fields stay
    assert contacts_of(c, customer["id"])[0]["name"] == "王女士"

    deleted = c.delete(f"/contacts/{contact['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert contacts_of(c, customer["id"]) == []
    assert_problem(c.patch(f"/contacts/{contact['id']}", json={"name": "again"}), 404)
    assert_problem(c.delete(f"/contacts/{contact['id']}"), 404)


def test_contacts_list_only_the_customers_own_contacts(tenant: Tenant):
    c = tenant.client
    first, second = new_customer(c), new_customer(c)
    mine = {new_contact(c, first["id"], name=f"A{i}")["id"] for i in range(3)}
    theirs = new_contact(c, second["id"], name="B")["id"]
    assert {x["id"] for x in contacts_of(c, first["id"])} == mine
    assert [x["id"] for x in contacts_of(c, second["id"])] == [theirs]


def test_contacts_paginate_with_a_cursor(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    made = [new_contact(c, customer["id"], name=f"C{i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(c.get(f"/customers/{customer['id']}/contacts", params=params))
        assert len(page["items"]) <= 2
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


def test_contact_needs_a_name(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    url = f"/customers/{customer['id']}/contacts"
    assert_problem(c.post(url, json={"name": ""}), 422, "name")
    assert_problem(c.post(url, json={"relation": "father"}), 422)
    assert_problem(c.post(url, json={"name": "X", "nickname": "y"}), 422)
    contact = new_contact(c, customer["id"])
    assert_problem(c.patch(f"/contacts/{contact['id']}", json={"name": ""}), 422, "name")
    assert contacts_of(c, customer["id"])[0]["name"] == "Contact"


# -- channels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", PHONE_E164),
        ("138 1234 5678", PHONE_E164),
        ("+86 138-1234-5678", PHONE_E164),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_contact_phone_is_stored_in_e164(tenant: Tenant, raw: str, e164: str):
    c = tenant.client
    customer = new_customer(c)
    contact = new_contact(c, customer["id"], phone=raw)
    assert contact["phone"] == e164
    assert contacts_of(c, customer["id"])[0]["phone"] == e164


def test_contact_phone_is_normalised_on_patch_and_can_be_cleared(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    contact = new_contact(c, customer["id"])
    assert (
        ok(c.patch(f"/contacts/{contact['id']}", json={"phone": "138 1234 5678"}))["phone"]
        == PHONE_E164
    )
    assert ok(c.patch(f"/contacts/{contact['id']}", json={"phone": None}))["phone"] is None
    assert contacts_of(c, customer["id"])[0]["phone"] is None


@pytest.mark.parametrize("phone", ["abc", "12", "+86 1"])
def test_a_contact_phone_that_is_not_a_number_is_422_naming_the_field(tenant: Tenant, phone):
    c = tenant.client
    customer = new_customer(c)
    assert_problem(
        c.post(f"/customers/{customer['id']}/contacts", json={"name": "X", "phone": phone}),
        422,
        "phone",
    )
    assert contacts_of(c, customer["id"]) == []


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "two@@example.com"])
def test_invalid_contact_email_is_422_naming_the_field(tenant: Tenant, email: str):
    c = tenant.client
    customer = new_customer(c)
    url = f"/customers/{customer['id']}/contacts"
    assert_problem(c.post(url, json={"name": "X", "email": email}), 422, "email")
    assert contacts_of(c, customer["id"]) == []

    contact = new_contact(c, customer["id"], email="ok@example.com")
    assert_problem(c.patch(f"/contacts/{contact['id']}", json={"email": email}), 422, "email")
    assert contacts_of(c, customer["id"])[0]["email"] == "ok@example.com"


# -- the primary contact ----------------------------------------------------------------


def test_setting_a_second_primary_contact_unsets_the_first(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    first = new_contact(c, customer["id"], name="First", is_primary=True)
    assert first["is_primary"] is True
    assert primaries(c, customer["id"]) == [first["id"]]

    plain = new_contact(c, customer["id"], name="Plain")
    assert plain["is_primary"] is False
    assert primaries(c, customer["id"]) == [first["id"]]  # a non-primary changes nothing

    second = new_contact(c, customer["id"], name="Second", is_primary=True)
    assert primaries(c, customer["id"]) == [second["id"]]

    back = ok(c.patch(f"/contacts/{first['id']}", json={"is_primary": True}))
    assert back["is_primary"] is True
    assert primaries(c, customer["id"]) == [first["id"]]

    # Patching the primary again, or patching it to primary twice, keeps exactly one.
    ok(c.patch(f"/contacts/{first['id']}", json={"is_primary": True, "name": "First!"}))
    assert primaries(c, customer["id"]) == [first["id"]]

    unset = ok(c.patch(f"/contacts/{first['id']}", json={"is_primary": False}))
    assert unset["is_primary"] is False
    assert primaries(c, customer["id"]) == []


def test_a_primary_contact_leaves_other_customers_primaries_alone(tenant: Tenant):
    c = tenant.client
    one, two = new_customer(c), new_customer(c)
    theirs = new_contact(c, two["id"], is_primary=True)
    mine = new_contact(c, one["id"], is_primary=True)
    assert primaries(c, one["id"]) == [mine["id"]]
    assert primaries(c, two["id"]) == [theirs["id"]]


def test_concurrent_primary_contacts_leave_exactly_one_primary(api: Api, tenant: Tenant):
    customer = new_customer(tenant.client)
    clients = [api.client(tenant.owner_key) for _ in range(8)]

    def attempt(pair: tuple[int, httpx.Client]) -> httpx.Response:
        i, client = pair
        body = {"name": f"Racer {i}", "is_primary": True}
        return client.post(f"/customers/{customer['id']}/contacts", json=body)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(attempt, enumerate(clients)))

    assert [r.status_code for r in responses] == [201] * 8, [r.text[:200] for r in responses]
    assert len(contacts_of(tenant.client, customer["id"])) == 8
    assert len(primaries(tenant.client, customer["id"])) == 1


# -- soft-deleted, unknown and foreign customers ----------------------------------------


def test_contacts_of_a_soft_deleted_customer_are_404(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    contact = new_contact(c, customer["id"], phone="13812345678")
    assert c.delete(f"/customers/{customer['id']}").status_code == 204

    assert_problem(c.get(f"/customers/{customer['id']}/contacts"), 404)
    assert_problem(c.post(f"/customers/{customer['id']}/contacts", json={"name": "New"}), 404)
    assert_problem(c.patch(f"/contacts/{contact['id']}", json={"name": "Changed"}), 404)
    assert_problem(c.patch(f"/contacts/{contact['id']}", json={"is_primary": True}), 404)
    assert_problem(c.delete(f"/contacts/{contact['id']}"), 404)

    # Restored, the customer has its contact back, unchanged.
    ok(c.post(f"/customers/{customer['id']}/restore"), 200)
    restored = contacts_of(c, customer["id"])
    assert [(x["id"], x["name"], x["is_primary"]) for x in restored] == [
        (contact["id"], "Contact", False)
    ]


def test_contacts_of_an_unknown_or_foreign_customer_are_404(tenant: Tenant, other_tenant: Tenant):
    c = tenant.client
    foreign = new_customer(other_tenant.client)
    foreign_contact = new_contact(other_tenant.client, foreign["id"], name="Theirs")
    for customer_id in (str(uuid.uuid4()), "not-a-uuid", foreign["id"]):
        assert_problem(c.get(f"/customers/{customer_id}/contacts"), 404)
        assert_problem(c.post(f"/customers/{customer_id}/contacts", json={"name": "X"}), 404)
    for contact_id in (str(uuid.uuid4()), "not-a-uuid", foreign_contact["id"]):
        assert_problem(c.patch(f"/contacts/{contact_id}", json={"name": "X"}), 404)
        assert_problem(c.delete(f"/contacts/{contact_id}"), 404)
    assert [x["name"] for x in contacts_of(other_tenant.client, foreign["id"])] == ["Theirs"]


# -- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "phone"),
    [
        ("viewer", PHONE_MASKED),
        ("agent", PHONE_MASKED),
        ("supervisor", PHONE_E164),
        ("admin", PHONE_E164),
    ],
)
def test_contact_phone_is_masked_below_supervisor(tenant: Tenant, role: str, phone: str):
    customer = new_customer(tenant.client)
    contact = new_contact(tenant.client, customer["id"], phone="13812345678")
    assert contact["phone"] == PHONE_E164  # the owner sees it whole
    staff = tenant.as_role(role)
    assert [x["phone"] for x in contacts_of(staff, customer["id"])] == [phone]


def test_an_agent_gets_masked_phones_from_its_own_writes(tenant: Tenant):
    customer = new_customer(tenant.client)
    agent = tenant.as_role("agent")
    made = new_contact(agent, customer["id"], phone="13812345678")
    assert made["phone"] == PHONE_MASKED
    patched = ok(agent.patch(f"/contacts/{made['id']}", json={"name": "Renamed"}))
    assert patched["phone"] == PHONE_MASKED
    # The mask is only on the way out: the stored number is whole.
    assert contacts_of(tenant.client, customer["id"])[0]["phone"] == PHONE_E164


def test_a_viewer_reads_contacts_but_cannot_write_them(tenant: Tenant):
    customer = new_customer(tenant.client)
    contact = new_contact(tenant.client, customer["id"])
    viewer = tenant.as_role("viewer")
    assert [x["id"] for x in contacts_of(viewer, customer["id"])] == [contact["id"]]
    assert_problem(viewer.post(f"/customers/{customer['id']}/contacts", json={"name": "V"}), 403)
    assert_problem(viewer.patch(f"/contacts/{contact['id']}", json={"name": "V"}), 403)
    assert_problem(viewer.delete(f"/contacts/{contact['id']}"), 403)
    assert [(x["id"], x["name"]) for x in contacts_of(tenant.client, customer["id"])] == [
        (contact["id"], "Contact")
    ]
