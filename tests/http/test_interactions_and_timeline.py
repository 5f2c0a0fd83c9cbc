"""Interactions and the customer timeline over real HTTP (api.md §2, §4).

`POST|GET /customers/{id}/interactions` logs calls, visits and messages by the caller,
listed newest first by `occurred_at`; `GET /customers/{id}/timeline` lists interactions,
tasks and payments of the customer, newest first, with a cursor.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.http.support import add_staff, instant, new_customer
from tests.support.expect import assert_problem, created, ok

UTC = datetime.UTC
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


# -- helpers ----------------------------------------------------------------------------


def log(client: httpx.Client, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"channel": "phone", "direction": "inbound", "summary": "asked about fees", **fields}
    return created(client.post(f"/customers/{customer_id}/interactions", json=body))


def walk(client: httpx.Client, url: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page by page, following `next_cursor`."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(url, params=params))
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert page["items"], "a page with a cursor but no items"
    raise AssertionError(f"{url}: the cursor never ran out")


def interactions_of(client: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    page = ok(client.get(f"/customers/{customer_id}/interactions", params={"limit": 500}))
    assert page["next_cursor"] is None
    return page["items"]


def timeline_of(client: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    page = ok(client.get(f"/customers/{customer_id}/timeline", params={"limit": 500}))
    assert page["next_cursor"] is None
    return page["items"]


def assert_newest_first(items: list[dict[str, Any]]) -> None:
    times = [instant(item["occurred_at"]) for item in items]
    assert times == sorted(times, reverse=True), [item["occurred_at"] for item in items]


# -- interactions -----------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_an_interaction_is_logged_by_the_caller(api: Api, tenant: Tenant, direction: str):
    customer = new_customer(tenant.client)
    agent_id, agent = add_staff(api, tenant, "agent")
    before = datetime.datetime.now(UTC) - datetime.timedelta(seconds=5)
    made = log(agent, customer["id"], channel="wechat", direction=direction, summary="回访")
    after = datetime.datetime.now(UTC) + datetime.timedelta(seconds=5)
    assert made["customer_id"] == customer["id"]
    assert made["channel"] == "wechat"
    assert made["direction"] == direction
    assert made["summary"] == "回访"
    assert made["staff_id"] == agent_id
    assert made["kind"] is None
    assert before <= instant(made["occurred_at"]) <= after  # defaults to now
    uuid.UUID(made["id"])
    assert interactions_of(tenant.client, customer["id"]) == [made]


def test_an_interaction_may_say_what_it_was_about(tenant: Tenant):
    customer = new_customer(tenant.client)
    made = log(tenant.client, customer["id"], summary="课程太难", kind="feedback")
    assert made["kind"] == "feedback"
    assert interactions_of(tenant.client, customer["id"]) == [made]
    timeline = ok(tenant.client.get(f"/customers/{customer['id']}/timeline"))["items"]
    assert timeline[0]["data"]["kind"] == "feedback"


def test_staff_id_cannot_be_chosen_by_the_caller(api: Api, tenant: Tenant):
    customer = new_customer(tenant.client)
    other_id, _ = add_staff(api, tenant, "agent")
    response = tenant.client.post(
        f"/customers/{customer['id']}/interactions",
        json={"channel": "phone", "direction": "inbound", "summary": "s", "staff_id": other_id},
    )
    assert_problem(response, 422)
    assert interactions_of(tenant.client, customer["id"]) == []


@pytest.mark.parametrize("direction", ["sideways", "INBOUND", "in", "", None, 1])
def test_a_direction_other_than_inbound_or_outbound_is_422(tenant: Tenant, direction: Any):
    customer = new_customer(tenant.client)
    response = tenant.client.post(
        f"/customers/{customer['id']}/interactions",
        json={"channel": "phone", "direction": direction, "summary": "hello"},
    )
    assert_problem(response, 422, "direction")
    assert interactions_of(tenant.client, customer["id"]) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"direction": "inbound", "summary": "s"}, None),
        ({"channel": "", "direction": "inbound", "summary": "s"}, "channel"),
        ({"channel": "phone", "direction": "inbound", "summary": ""}, "summary"),
        ({"channel": "phone", "direction": "inbound"}, None),
        ({"channel": "phone", "direction": "inbound", "summary": "s", "kind": ""}, "kind"),
        ({"channel": "phone", "direction": "inbound", "summary": "s", "kind": "k" * 51}, "kind"),
        (
            {"channel": "phone", "direction": "inbound", "summary": "s", "occurred_at": "x"},
            "occurred_at",
        ),
        (
            {
                "channel": "phone",
                "direction": "inbound",
                "summary": "s",
                "occurred_at": "2024-01-01T09:00:00",
            },
            "occurred_at",
        ),
    ],
)
def test_an_invalid_interaction_is_422(tenant: Tenant, body: dict[str, Any], field: str | None):
    customer = new_customer(tenant.client)
    assert_problem(
        tenant.client.post(f"/customers/{customer['id']}/interactions", json=body), 422, field
    )
    assert interactions_of(tenant.client, customer["id"]) == []


def test_an_occurred_at_in_the_past_is_honoured(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    when = datetime.datetime(2023, 11, 5, 18, 45, 12, tzinfo=SHANGHAI)
    made = log(c, customer["id"], occurred_at=when.isoformat(), summary="a visit last year")
    assert instant(made["occurred_at"]) == when
    listed = interactions_of(c, customer["id"])
    assert [instant(x["occurred_at"]) for x in listed] == [when]
    entries = [e for e in timeline_of(c, customer["id"]) if e["subject_id"] == made["id"]]
    assert [(e["kind"], instant(e["occurred_at"])) for e in entries] == [
        ("interaction.logged", when)
    ]


def test_interactions_are_listed_newest_first_by_occurred_at(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    base = datetime.datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    offsets_in_days = [3, -20, 0, 45, -1, 7]  # logged out of order
    made = {}
    for days in offsets_in_days:
        when = base + datetime.timedelta(days=days)
        made[log(c, customer["id"], occurred_at=when.isoformat(), summary=f"d{days}")["id"]] = when
    now_one = log(c, customer["id"], summary="just now")  # defaults to now: the newest
    listed = interactions_of(c, customer["id"])
    assert [x["id"] for x in listed] == [
        now_one["id"],
        *sorted(made, key=lambda i: made[i], reverse=True),
    ]
    assert_newest_first(listed)


def test_interactions_paginate_newest_first_with_a_cursor_even_with_equal_times(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    same = "2024-03-01T08:00:00+00:00"
    ids = [log(c, customer["id"], occurred_at=same)["id"] for _ in range(4)]
    ids += [log(c, customer["id"], occurred_at=f"2024-03-0{d}T08:00:00Z")["id"] for d in (2, 3)]
    ids.append(log(c, customer["id"], occurred_at="2024-03-01T07:59:59.999999Z")["id"])
    everything = interactions_of(c, customer["id"])
    assert sorted(x["id"] for x in everything) == sorted(ids)
    for limit in (1, 2, 3):
        paged = walk(c, f"/customers/{customer['id']}/interactions", limit)
        assert [x["id"] for x in paged] == [x["id"] for x in everything], limit
    assert_newest_first(everything)


def test_interactions_of_a_deleted_unknown_or_foreign_customer_are_404(
    tenant: Tenant, other_tenant: Tenant
):
    c = tenant.client
    deleted = new_customer(c)
    log(c, deleted["id"])
    assert c.delete(f"/customers/{deleted['id']}").status_code == 204
    foreign = new_customer(other_tenant.client)
    log(other_tenant.client, foreign["id"], summary="their secret")
    body = {"channel": "phone", "direction": "inbound", "summary": "x"}
    for customer_id in (deleted["id"], foreign["id"], str(uuid.uuid4()), "not-a-uuid"):
        url = f"/customers/{customer_id}/interactions"
        assert_problem(c.get(url), 404)
        assert "their secret" not in c.get(url).text
        assert_problem(c.post(url, json=body), 404)
    assert [x["summary"] for x in interactions_of(other_tenant.client, foreign["id"])] == [
        "their secret"
    ]


def test_a_viewer_reads_interactions_but_cannot_log_them(tenant: Tenant):
    customer = new_customer(tenant.client)
    made = log(tenant.client, customer["id"])
    viewer = tenant.as_role("viewer")
    assert [x["id"] for x in interactions_of(viewer, customer["id"])] == [made["id"]]
    response = viewer.post(
        f"/customers/{customer['id']}/interactions",
        json={"channel": "phone", "direction": "outbound", "summary": "viewer"},
    )
    assert_problem(response, 403)
    assert [x["id"] for x in interactions_of(tenant.client, customer["id"])] == [made["id"]]


# -- timeline ---------------------------------------------------------------------------


def build_history(client: httpx.Client, customer_id: str) -> list[tuple[str, str]]:
    """Log an interaction, create and complete a task, record a payment and a refund;
    the (kind, subject_id) of each timeline entry they should make, oldest first."""
    interaction = log(client, customer_id, summary="first call")
    task = created(
        client.post("/tasks", json={"title": "Send brochure", "customer_id": customer_id})
    )
    ok(client.patch(f"/tasks/{task['id']}", json={"status": "done"}))
    payment = created(client.post("/payments", json={"customer_id": customer_id, "amount": 50000}))
    refund = created(
        client.post(
            "/payments",
            json={
                "customer_id": customer_id,
                "amount": 20000,
                "kind": "refund",
                "refund_of_id": payment["id"],
            },
        )
    )
    return [
        ("interaction.logged", interaction["id"]),
        ("task.created", task["id"]),
        ("task.completed", task["id"]),
        ("payment.recorded", payment["id"]),
        ("refund.recorded", refund["id"]),
    ]


def test_the_timeline_lists_interactions_tasks_and_payments_newest_first(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    other = new_customer(c)
    expected = build_history(c, customer["id"])
    build_history(c, other["id"])  # another customer's history stays out

    entries = timeline_of(c, customer["id"])
    assert all(e["customer_id"] == customer["id"] for e in entries)
    assert_newest_first(entries)
    kinds = {e["kind"] for e in entries}
    assert {"interaction.logged", "task.created", "task.completed"} <= kinds
    assert {"payment.recorded", "refund.recorded"} <= kinds

    # The five things happened one after another: newest first, the refund leads.
    ours = [
        (e["kind"], e["subject_id"]) for e in entries if (e["kind"], e["subject_id"]) in expected
    ]
    assert ours == list(reversed(expected))
    for entry in entries:
        assert entry["summary"], entry
        assert isinstance(entry["data"], dict), entry
        uuid.UUID(entry["id"])


def test_the_timeline_paginates_with_a_cursor(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    build_history(c, customer["id"])
    log(c, customer["id"], occurred_at="2020-01-01T00:00:00Z", summary="long ago")
    for _ in range(3):
        log(c, customer["id"], occurred_at="2021-06-01T12:00:00+08:00", summary="same time")
    everything = timeline_of(c, customer["id"])
    assert len(everything) >= 9
    assert everything[-1]["summary"].endswith("long ago")  # the oldest comes last
    for limit in (1, 2, 4):
        paged = walk(c, f"/customers/{customer['id']}/timeline", limit)
        assert [e["id"] for e in paged] == [e["id"] for e in everything], limit
    first = ok(c.get(f"/customers/{customer['id']}/timeline", params={"limit": 3}))
    assert len(first["items"]) == 3
    assert first["next_cursor"]


def test_the_timeline_of_a_deleted_unknown_or_foreign_customer_is_404(
    tenant: Tenant, other_tenant: Tenant
):
    c = tenant.client
    deleted = new_customer(c)
    log(c, deleted["id"])
    assert c.delete(f"/customers/{deleted['id']}").status_code == 204
    foreign = new_customer(other_tenant.client)
    log(other_tenant.client, foreign["id"], summary="their secret")
    for customer_id in (foreign["id"], str(uuid.uuid4()), "not-a-uuid", deleted["id"]):
        response = c.get(f"/customers/{customer_id}/timeline")
        assert_problem(response, 404)
        assert "their secret" not in response.text
    assert any(
        e["summary"].endswith("their secret")
        for e in timeline_of(other_tenant.client, foreign["id"])
    )


def test_the_timeline_is_readable_by_a_viewer(tenant: Tenant):
    customer = new_customer(tenant.client)
    made = log(tenant.client, customer["id"])
    viewer = tenant.as_role("viewer")
    assert made["id"] in {e["subject_id"] for e in timeline_of(viewer, customer["id"])}


def test_a_bad_timeline_cursor_is_422(tenant: Tenant):
    customer = new_customer(tenant.client)
    response = tenant.client.get(
        f"/customers/{customer['id']}/timeline", params={"cursor": "not-a-cursor"}
    )
    assert_problem(response, 422, "cursor")
