"""`Idempotency-Key` on POST (api.md §2): the same key with the same body replays the
first response; with another body it is a 409 (or 422). Keys belong to a tenant."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from core.testing.http import Api, Tenant

PROBLEM_JSON = "application/problem+json"
REPLAYED = "idempotent-replayed"


def new_key() -> str:
    return f"idem-{uuid.uuid4()}"


def post_customer(client: httpx.Client, key: str, body: dict[str, Any]) -> httpx.Response:
    return client.post("/customers", json=body, headers={"Idempotency-Key": key})


def customer_ids(client: httpx.Client) -> list[str]:
    response = client.get("/customers", params={"limit": 500})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def assert_problem(response: httpx.Response, statuses: tuple[int, ...]) -> dict:
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url} → {response.status_code}, "
        f"wanted one of {statuses}: {response.text[:1000]}"
    )
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == response.status_code
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key]
    return body


def test_same_key_and_body_replays_the_first_response(tenant: Tenant) -> None:
    key = new_key()
    body = {"name": "Once Only", "phone": "138 1234 5678", "tags": ["vip"]}
    first = post_customer(tenant.client, key, body)
    assert first.status_code == 201, first.text
    assert first.headers.get(REPLAYED) is None

    second = post_customer(tenant.client, key, body)
    assert second.status_code == 201, second.text
    assert second.headers.get(REPLAYED) == "true"
    assert second.json() == first.json()
    assert second.headers["content-type"].startswith("application/json")

    third = post_customer(tenant.client, key, body)
    assert third.json()["id"] == first.json()["id"]
    assert customer_ids(tenant.client) == [first.json()["id"]]


def test_without_a_key_each_post_creates_a_customer(tenant: Tenant) -> None:
    for _ in range(2):
        response = tenant.client.post("/customers", json={"name": "Twice"})
        assert response.status_code == 201, response.text
        assert response.headers.get(REPLAYED) is None
    assert len(customer_ids(tenant.client)) == 2


def test_different_keys_create_different_customers(tenant: Tenant) -> None:
    body = {"name": "Same body"}
    first = post_customer(tenant.client, new_key(), body)
    second = post_customer(tenant.client, new_key(), body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert len(customer_ids(tenant.client)) == 2


def test_same_key_with_another_body_is_409(tenant: Tenant) -> None:
    key = new_key()
    first = post_customer(tenant.client, key, {"name": "Original"})
    assert first.status_code == 201, first.text
    conflict = post_customer(tenant.client, key, {"name": "Something else"})
    assert_problem(conflict, (409, 422))
    assert conflict.headers.get(REPLAYED) is None
    ids = customer_ids(tenant.client)
    assert ids == [first.json()["id"]]
    assert tenant.client.get(f"/customers/{ids[0]}").json()["name"] == "Original"


def test_same_key_in_another_tenant_is_independent(tenant: Tenant, other_tenant: Tenant) -> None:
    key = new_key()
    body = {"name": "Shared key"}
    mine = post_customer(tenant.client, key, body)
    theirs = post_customer(other_tenant.client, key, body)
    assert mine.status_code == 201, mine.text
    assert theirs.status_code == 201, theirs.text
    assert theirs.headers.get(REPLAYED) is None
    assert theirs.json()["id"] != mine.json()["id"]
    assert customer_ids(tenant.client) == [mine.json()["id"]]
    assert customer_ids(other_tenant.client) == [theirs.json()["id"]]

    # each tenant replays its own response, never the other's
    again_mine = post_customer(tenant.client, key, body)
    again_theirs = post_customer(other_tenant.client, key, body)
    assert again_mine.headers.get(REPLAYED) == "true"
    assert again_theirs.headers.get(REPLAYED) == "true"
    assert again_mine.json()["id"] == mine.json()["id"]
    assert again_theirs.json()["id"] == theirs.json()["id"]


def test_another_body_in_another_tenant_is_not_a_conflict(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    key = new_key()
    assert post_customer(tenant.client, key, {"name": "A"}).status_code == 201
    response = post_customer(other_tenant.client, key, {"name": "B"})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "B"


def test_a_refused_request_is_replayed_and_creates_nothing(tenant: Tenant) -> None:
    key = new_key()
    body = {"name": "Bad", "email": "not-an-email"}
    first = post_customer(tenant.client, key, body)
    assert_problem(first, (422,))
    second = post_customer(tenant.client, key, body)
    assert_problem(second, (422,))
    assert second.json() == first.json()
    assert customer_ids(tenant.client) == []


def test_concurrent_posts_with_one_key_create_one_customer(tenant: Tenant) -> None:
    key = new_key()
    body = {"name": "Racer"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: post_customer(tenant.client, key, body), range(8)))
    for response in responses:
        assert response.status_code in (201, 409), response.text
        if response.status_code == 409:
            assert_problem(response, (409,))
    winners = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(winners) == 1
    assert customer_ids(tenant.client) == list(winners)
    replay = post_customer(tenant.client, key, body)
    assert replay.status_code == 201
    assert replay.json()["id"] in winners


def test_key_longer_than_255_characters_is_refused(tenant: Tenant) -> None:
    response = post_customer(tenant.client, "k" * 256, {"name": "Long key"})
    assert_problem(response, (422,))
    assert customer_ids(tenant.client) == []


def test_replay_works_for_other_posts_too(api: Api, tenant: Tenant) -> None:
    customer = tenant.client.post("/customers", json={"name": "Consenting"}).json()
    key = new_key()
    path = f"/customers/{customer['id']}/consents"
    first = tenant.client.post(path, json={"purpose": "sms"}, headers={"Idempotency-Key": key})
    second = tenant.client.post(path, json={"purpose": "sms"}, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers.get(REPLAYED) == "true"
    assert second.json() == first.json()
    consents = tenant.client.get(path).json()
    assert [consent["id"] for consent in consents] == [first.json()["id"]]


def test_replay_never_bypasses_the_callers_role(tenant: Tenant) -> None:
    """A viewer may not create customers; reusing an owner's key and body must not
    hand them the owner's 201 (with the whole id_number) either."""
    key = new_key()
    body = {"name": "Owner's", "id_number": "110101199003071234"}
    assert post_customer(tenant.client, key, body).status_code == 201
    viewer = tenant.as_role("viewer")
    response = post_customer(viewer, key, body)
    assert_problem(response, (403,))
    assert response.headers.get(REPLAYED) is None


def test_another_user_cannot_replay_a_minted_api_key(tenant: Tenant) -> None:
    """Minting a key for the owner is refused to an agent; replaying the owner's own
    request with its Idempotency-Key must be refused as well, never show the key."""
    users = tenant.client.get("/users").json()["items"]
    owner = next(user for user in users if user["role"] == "owner")
    path = f"/users/{owner['id']}/api-keys"
    key = new_key()
    minted = tenant.client.post(path, json={"label": "cli"}, headers={"Idempotency-Key": key})
    assert minted.status_code == 201, minted.text
    secret = minted.json()["key"]

    agent = tenant.as_role("agent")
    assert_problem(agent.post(path, json={"label": "cli"}), (403,))
    replayed = agent.post(path, json={"label": "cli"}, headers={"Idempotency-Key": key})
    assert secret not in replayed.text
    assert_problem(replayed, (403,))
