"""Customers over real HTTP (api.md §2, §4): validation, normalisation, filters,
pagination, soft deletion, references, provenance, consents and the timeline."""

from __future__ import annotations

import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from tests.http.support import add_staff, new_customer
from tests.support.expect import assert_problem, created, ok

PHONE_E164 = "+8613812345678"


# -- helpers ----------------------------------------------------------------------------


def list_ids(client: httpx.Client, **params: Any) -> list[str]:
    body = ok(client.get("/customers", params={"limit": 500, **params}))
    return [item["id"] for item in body["items"]]


def owner_id(tenant: Tenant) -> str:
    users = ok(tenant.client.get("/users"))["items"]
    owners = [user["id"] for user in users if user["role"] == "owner"]
    assert len(owners) == 1, users
    return owners[0]


# -- create -----------------------------------------------------------------------------


def test_create_customer_answers_201_with_the_stored_fields(tenant: Tenant) -> None:
    body = new_customer(
        tenant.client,
        kind="organization",
        name="北京大学",
        email="office@pku.example.com",
        gender=None,
        birthday="1898-07-03",
        address="颐和园路5号",
        region="Beijing",
        source="referral",
        tags=["vip", "edu"],
        attributes={"size": 40000, "public": True},
    )
    uuid.UUID(body["id"])
    assert body["kind"] == "organization"
    assert body["name"] == "北京大学"
    assert body["email"] == "office@pku.example.com"
    assert body["birthday"] == "1898-07-03"
    assert body["address"] == "颐和园路5号"
    assert body["region"] == "Beijing"
    assert body["source"] == "referral"
    assert sorted(body["tags"]) == ["edu", "vip"]
    assert body["attributes"] == {"size": 40000, "public": True}
    assert datetime.datetime.fromisoformat(body["created_at"]).utcoffset() is not None
    assert ok(tenant.client.get(f"/customers/{body['id']}"))["name"] == "北京大学"


def test_kind_defaults_to_person(tenant: Tenant) -> None:
    assert new_customer(tenant.client, name="Li Lei")["kind"] == "person"


@pytest.mark.parametrize("raw", ["138 1234 5678", "+86 138-1234-5678", "13812345678"])
def test_phone_is_stored_in_e164(tenant: Tenant, raw: str) -> None:
    body = new_customer(tenant.client, phone=raw)
    assert body["phone"] == PHONE_E164
    assert ok(tenant.client.get(f"/customers/{body['id']}"))["phone"] == PHONE_E164


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "two@@example.com"])
def test_invalid_email_is_422_naming_email(tenant: Tenant, email: str) -> None:
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "email": email}), 422, "email"
    )


@pytest.mark.parametrize("phone", ["abc", "12", "1234567890123456789012"])
def test_invalid_phone_is_422_naming_phone(tenant: Tenant, phone: str) -> None:
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "phone": phone}), 422, "phone"
    )


def test_empty_name_is_422_naming_name(tenant: Tenant) -> None:
    assert_problem(tenant.client.post("/customers", json={"name": ""}), 422, "name")


def test_missing_name_is_422(tenant: Tenant) -> None:
    assert_problem(tenant.client.post("/customers", json={"phone": PHONE_E164}), 422)


def test_unknown_field_is_422_and_nothing_is_created(tenant: Tenant) -> None:
    body = assert_problem(
        tenant.client.post("/customers", json={"name": "X", "favourite_colour": "blue"}), 422
    )
    assert "favourite_colour" in body["detail"]
    assert list_ids(tenant.client) == []


@pytest.mark.parametrize("birthday", ["2025-13-40", "1990-02-30", "yesterday"])
def test_impossible_birthday_is_422_naming_birthday(tenant: Tenant, birthday: str) -> None:
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "birthday": birthday}), 422, "birthday"
    )


def test_unknown_kind_is_422_naming_kind(tenant: Tenant) -> None:
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "kind": "robot"}), 422, "kind"
    )


def test_several_invalid_fields_are_all_named(tenant: Tenant) -> None:
    body = assert_problem(
        tenant.client.post("/customers", json={"name": "X", "phone": "abc", "email": "nope"}), 422
    )
    assert {"phone", "email"} <= {error["field"] for error in body["errors"]}


# -- get --------------------------------------------------------------------------------


def test_get_customer_includes_plugin_sections(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, name="Han Meimei")
    body = ok(tenant.client.get(f"/customers/{customer['id']}"))
    assert body["id"] == customer["id"]
    assert body["name"] == "Han Meimei"
    assert body["plugins"] == {}


# A fixed id: test ids must be the same in every test process.
@pytest.mark.parametrize("customer_id", ["0190a0b4-7c1e-7d3a-9f00-5b1c2d3e4f50", "not-a-uuid", "0"])
def test_unknown_customer_is_404(tenant: Tenant, customer_id: str) -> None:
    assert_problem(tenant.client.get(f"/customers/{customer_id}"), 404)


def test_other_tenants_customer_is_404_on_every_verb(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = new_customer(other_tenant.client, name="Not yours")
    path = f"/customers/{theirs['id']}"
    assert_problem(tenant.client.get(path), 404)
    assert_problem(tenant.client.patch(path, json={"name": "Mine now"}), 404)
    assert_problem(tenant.client.delete(path), 404)
    assert_problem(tenant.client.get(f"{path}/timeline"), 404)
    assert theirs["id"] not in list_ids(tenant.client)
    assert ok(other_tenant.client.get(path))["name"] == "Not yours"


# -- patch ------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(tenant: Tenant) -> None:
    customer = new_customer(
        tenant.client, name="Wang Wu", phone=PHONE_E164, email="wu@example.com", region="Shanghai"
    )
    body = ok(
        tenant.client.patch(f"/customers/{customer['id']}", json={"email": "wang@example.com"})
    )
    assert body["email"] == "wang@example.com"
    assert body["name"] == "Wang Wu"
    assert body["phone"] == PHONE_E164
    assert body["region"] == "Shanghai"
    again = ok(tenant.client.get(f"/customers/{customer['id']}"))
    assert again["email"] == "wang@example.com"
    assert again["region"] == "Shanghai"


def test_patch_null_clears_an_optional_field(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, phone=PHONE_E164, region="Shanghai")
    body = ok(tenant.client.patch(f"/customers/{customer['id']}", json={"phone": None}))
    assert body["phone"] is None
    assert body["region"] == "Shanghai"
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["phone"] is None


def test_patch_null_name_is_422(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, name="Keeps Name")
    assert_problem(
        tenant.client.patch(f"/customers/{customer['id']}", json={"name": None}), 422, "name"
    )
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["name"] == "Keeps Name"


def test_patch_tags_replaces_the_whole_set(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, tags=["a", "b"])
    body = ok(tenant.client.patch(f"/customers/{customer['id']}", json={"tags": ["c"]}))
    assert body["tags"] == ["c"]
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["tags"] == ["c"]
    assert list_ids(tenant.client, tag="a") == []
    assert list_ids(tenant.client, tag="c") == [customer["id"]]


def test_patch_without_tags_keeps_them(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, tags=["keep"])
    body = ok(tenant.client.patch(f"/customers/{customer['id']}", json={"region": "Hangzhou"}))
    assert body["tags"] == ["keep"]


def test_patch_normalises_phone_and_validates_email(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    path = f"/customers/{customer['id']}"
    assert (
        ok(tenant.client.patch(path, json={"phone": "139 0000 1111"}))["phone"] == "+8613900001111"
    )
    assert_problem(tenant.client.patch(path, json={"email": "broken"}), 422, "email")
    assert_problem(tenant.client.patch(path, json={"phone": "abc"}), 422, "phone")
    assert_problem(tenant.client.patch(path, json={"unknown": 1}), 422)
    assert ok(tenant.client.get(path))["phone"] == "+8613900001111"


# -- list filters -----------------------------------------------------------------------


@pytest.fixture
def search_set(tenant: Tenant) -> dict[str, str]:
    """Three customers to search among; returns name → id."""
    return {
        "张三丰": new_customer(
            tenant.client, name="张三丰", phone="138 1234 5678", email="Zhang.SanFeng@Example.com"
        )["id"],
        "李四": new_customer(
            tenant.client, name="李四", phone="+86 139 8765 4321", email="lisi@wudang.example.org"
        )["id"],
        "Acme Ltd": new_customer(tenant.client, name="Acme Ltd", kind="organization")["id"],
    }


@pytest.mark.parametrize("q", ["张", "三丰", "张三丰"])
def test_q_matches_a_chinese_name_substring(
    tenant: Tenant, search_set: dict[str, str], q: str
) -> None:
    assert list_ids(tenant.client, q=q) == [search_set["张三丰"]]


@pytest.mark.parametrize("q", ["1381234", "138-1234", "+86 138 1234 5678", "(138) 1234-5678"])
def test_q_matches_phone_digits_in_any_format(
    tenant: Tenant, search_set: dict[str, str], q: str
) -> None:
    assert list_ids(tenant.client, q=q) == [search_set["张三丰"]]


@pytest.mark.parametrize("q", ["sanfeng@example", "ZHANG.SANFENG", "SanFeng@EXAMPLE.COM"])
def test_q_matches_email_substring_case_insensitively(
    tenant: Tenant, search_set: dict[str, str], q: str
) -> None:
    assert list_ids(tenant.client, q=q) == [search_set["张三丰"]]


def test_q_matches_latin_name_case_insensitively(
    tenant: Tenant, search_set: dict[str, str]
) -> None:
    assert list_ids(tenant.client, q="acme") == [search_set["Acme Ltd"]]


def test_q_without_a_match_is_an_empty_list(tenant: Tenant, search_set: dict[str, str]) -> None:
    body = ok(tenant.client.get("/customers", params={"q": "王五"}))
    assert body == {"items": [], "next_cursor": None}


def test_q_with_sql_wildcards_is_harmless(tenant: Tenant, search_set: dict[str, str]) -> None:
    for q in ["%", "_", "'; DROP TABLE customers; --", "\\"]:
        response = tenant.client.get("/customers", params={"q": q})
        assert response.status_code == 200, (q, response.text)
    assert len(list_ids(tenant.client)) == 3


def test_tag_filter_returns_only_tagged_customers(tenant: Tenant) -> None:
    both = new_customer(tenant.client, tags=["vip", "wechat"])["id"]
    wechat = new_customer(tenant.client, tags=["wechat"])["id"]
    new_customer(tenant.client)
    assert list_ids(tenant.client, tag="vip") == [both]
    assert sorted(list_ids(tenant.client, tag="wechat")) == sorted([both, wechat])
    assert list_ids(tenant.client, tag="nobody") == []


def test_owner_id_filter_returns_only_that_owners_customers(api: Api, tenant: Tenant) -> None:
    agent_id, _ = add_staff(api, tenant, "agent")
    mine = new_customer(tenant.client, owner_id=agent_id)["id"]
    new_customer(tenant.client, owner_id=owner_id(tenant))
    new_customer(tenant.client)
    assert list_ids(tenant.client, owner_id=agent_id) == [mine]
    assert list_ids(tenant.client, owner_id=str(uuid.uuid4())) == []


def test_filters_combine(tenant: Tenant) -> None:
    target = new_customer(tenant.client, name="张三", tags=["vip"])["id"]
    new_customer(tenant.client, name="张四")
    new_customer(tenant.client, name="李三", tags=["vip"])
    assert list_ids(tenant.client, q="张", tag="vip") == [target]


# -- pagination -------------------------------------------------------------------------


def test_walking_pages_of_100_sees_each_of_1000_customers_exactly_once(tenant: Tenant) -> None:
    def create(i: int) -> str:
        return new_customer(tenant.client, name=f"Bulk {i:04d}")["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(create, range(1000)))
    assert len(set(made)) == 1000

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        body = ok(tenant.client.get("/customers", params=params))
        pages += 1
        assert len(body["items"]) <= 100
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["items"]) == 100
        assert pages <= 11, "the cursor walk does not end"
    assert len(seen) == 1000
    assert len(set(seen)) == 1000
    assert set(seen) == set(made)
    assert pages == 10


def test_default_page_is_50_with_a_cursor(tenant: Tenant) -> None:
    def create(i: int) -> None:
        new_customer(tenant.client, name=f"C{i}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(51)))
    first = ok(tenant.client.get("/customers"))
    assert len(first["items"]) == 50
    assert isinstance(first["next_cursor"], str) and first["next_cursor"]
    rest = ok(tenant.client.get("/customers", params={"cursor": first["next_cursor"]}))
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    assert rest["items"][0]["id"] not in {item["id"] for item in first["items"]}


def test_limit_500_is_allowed(tenant: Tenant) -> None:
    new_customer(tenant.client)
    body = ok(tenant.client.get("/customers", params={"limit": 500}))
    assert len(body["items"]) == 1


@pytest.mark.parametrize("limit", ["501", "100000"])
def test_limit_above_500_is_422(tenant: Tenant, limit: str) -> None:
    assert_problem(tenant.client.get("/customers", params={"limit": limit}), 422, "limit")


@pytest.mark.parametrize("limit", ["0", "-1", "abc"])
def test_limit_below_one_or_not_a_number_is_422(tenant: Tenant, limit: str) -> None:
    assert_problem(tenant.client.get("/customers", params={"limit": limit}), 422, "limit")


@pytest.mark.parametrize(
    "cursor",
    ["garbage!!", "bm90LWpzb24", "WyJub3QtYS11dWlkIl0", "e30", "WzFd", "%%%", "x" * 300],
)
def test_garbage_cursor_is_422_problem(tenant: Tenant, cursor: str) -> None:
    new_customer(tenant.client)
    assert_problem(tenant.client.get("/customers", params={"cursor": cursor}), 422, "cursor")


# -- soft delete and restore ------------------------------------------------------------


def test_deleted_customer_is_gone_until_restored(api: Api, tenant: Tenant) -> None:
    customer = new_customer(tenant.client, name="Ghost", phone=PHONE_E164, tags=["vip"])
    path = f"/customers/{customer['id']}"
    response = tenant.client.delete(path)
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert_problem(tenant.client.get(path), 404)
    assert_problem(tenant.client.patch(path, json={"name": "Back"}), 404)
    assert_problem(tenant.client.delete(path), 404)
    assert customer["id"] not in list_ids(tenant.client)
    assert customer["id"] not in list_ids(tenant.client, q="Ghost")
    assert customer["id"] not in list_ids(tenant.client, tag="vip")

    _, admin = add_staff(api, tenant, "admin")
    restored = ok(admin.post(f"{path}/restore"))
    assert restored["id"] == customer["id"]
    assert restored["name"] == "Ghost"
    assert restored["tags"] == ["vip"]
    assert ok(tenant.client.get(path))["name"] == "Ghost"
    assert customer["id"] in list_ids(tenant.client)
    assert customer["id"] in list_ids(tenant.client, q="1381234")


def test_agent_cannot_restore(api: Api, tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    assert tenant.client.delete(f"/customers/{customer['id']}").status_code == 204
    _, agent = add_staff(api, tenant, "agent")
    assert_problem(agent.post(f"/customers/{customer['id']}/restore"), 403)
    assert_problem(tenant.client.get(f"/customers/{customer['id']}"), 404)


def test_agent_can_soft_delete(api: Api, tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    _, agent = add_staff(api, tenant, "agent")
    assert agent.delete(f"/customers/{customer['id']}").status_code == 204
    assert_problem(tenant.client.get(f"/customers/{customer['id']}"), 404)


def test_restoring_an_active_customer_is_409(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    assert_problem(tenant.client.post(f"/customers/{customer['id']}/restore"), 409)


def test_restoring_an_unknown_or_foreign_customer_is_404(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    assert_problem(tenant.client.post(f"/customers/{uuid.uuid4()}/restore"), 404)
    theirs = new_customer(other_tenant.client)
    assert other_tenant.client.delete(f"/customers/{theirs['id']}").status_code == 204
    assert_problem(tenant.client.post(f"/customers/{theirs['id']}/restore"), 404)
    assert_problem(other_tenant.client.get(f"/customers/{theirs['id']}"), 404)


# -- references -------------------------------------------------------------------------


def test_referred_by_an_active_customer_is_kept(tenant: Tenant) -> None:
    referrer = new_customer(tenant.client, name="Referrer")
    body = new_customer(tenant.client, name="Referred", referred_by_id=referrer["id"])
    assert body["referred_by_id"] == referrer["id"]


def test_referred_by_a_deleted_customer_is_422(tenant: Tenant) -> None:
    referrer = new_customer(tenant.client, name="Gone")
    assert tenant.client.delete(f"/customers/{referrer['id']}").status_code == 204
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "referred_by_id": referrer["id"]}),
        422,
        "referred_by_id",
    )


def test_referred_by_an_unknown_or_foreign_customer_is_422(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = new_customer(other_tenant.client)
    for referrer in (str(uuid.uuid4()), theirs["id"]):
        assert_problem(
            tenant.client.post("/customers", json={"name": "X", "referred_by_id": referrer}),
            422,
            "referred_by_id",
        )
    assert list_ids(tenant.client) == []


def test_customer_cannot_refer_themselves(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    assert_problem(
        tenant.client.patch(
            f"/customers/{customer['id']}", json={"referred_by_id": customer["id"]}
        ),
        422,
        "referred_by_id",
    )


def test_a_referral_cycle_is_422_and_changes_nothing(tenant: Tenant) -> None:
    """a refers b, b refers c: c may not become a's referrer (nor b's), at any depth."""
    a = new_customer(tenant.client, name="A")
    b = new_customer(tenant.client, name="B", referred_by_id=a["id"])
    c = new_customer(tenant.client, name="C", referred_by_id=b["id"])
    for customer, referrer in ((a, c), (a, b), (b, c)):
        assert_problem(
            tenant.client.patch(
                f"/customers/{customer['id']}", json={"referred_by_id": referrer["id"]}
            ),
            422,
            "referred_by_id",
        )
    assert ok(tenant.client.get(f"/customers/{a['id']}"))["referred_by_id"] is None
    # Not a cycle: a sibling chain, or a referrer moved elsewhere.
    d = new_customer(tenant.client, name="D")
    assert ok(tenant.client.patch(f"/customers/{a['id']}", json={"referred_by_id": d["id"]}))
    assert ok(tenant.client.patch(f"/customers/{c['id']}", json={"referred_by_id": a["id"]}))


def test_owner_id_of_an_unknown_or_foreign_user_is_422(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    for user_id in (str(uuid.uuid4()), owner_id(other_tenant)):
        assert_problem(
            tenant.client.post("/customers", json={"name": "X", "owner_id": user_id}),
            422,
            "owner_id",
        )
    customer = new_customer(tenant.client)
    assert_problem(
        tenant.client.patch(f"/customers/{customer['id']}", json={"owner_id": str(uuid.uuid4())}),
        422,
        "owner_id",
    )


def test_owner_id_of_a_staff_member_is_kept(api: Api, tenant: Tenant) -> None:
    agent_id, _ = add_staff(api, tenant, "agent")
    assert new_customer(tenant.client, owner_id=agent_id)["owner_id"] == agent_id


# -- provenance -------------------------------------------------------------------------


def test_provenance_defaults_to_the_caller_now_and_the_source(tenant: Tenant) -> None:
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    body = new_customer(tenant.client, source="wechat")
    after = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)
    provenance = body["provenance"]
    assert provenance["collected_by"] == owner_id(tenant)
    assert provenance["channel"] == "wechat"
    collected_at = datetime.datetime.fromisoformat(provenance["collected_at"])
    assert before <= collected_at <= after


def test_provenance_collected_by_is_the_calling_agent(api: Api, tenant: Tenant) -> None:
    agent_id, agent = add_staff(api, tenant, "agent")
    body = created(agent.post("/customers", json={"name": "By agent"}))
    assert body["provenance"]["collected_by"] == agent_id
    assert ok(tenant.client.get(f"/customers/{body['id']}"))["provenance"]["collected_by"] == (
        agent_id
    )


def test_explicit_provenance_is_kept_and_checked(api: Api, tenant: Tenant) -> None:
    agent_id, _ = add_staff(api, tenant, "agent")
    body = new_customer(
        tenant.client,
        provenance={
            "channel": "phone",
            "collected_at": "2024-05-01T09:30:00+08:00",
            "collected_by": agent_id,
        },
    )
    assert body["provenance"]["channel"] == "phone"
    assert body["provenance"]["collected_by"] == agent_id
    assert datetime.datetime.fromisoformat(body["provenance"]["collected_at"]) == (
        datetime.datetime(2024, 5, 1, 1, 30, tzinfo=datetime.UTC)
    )
    assert_problem(
        tenant.client.post(
            "/customers", json={"name": "X", "provenance": {"collected_by": str(uuid.uuid4())}}
        ),
        422,
        "provenance.collected_by",
    )


# -- consents ---------------------------------------------------------------------------


def test_consent_grant_list_withdraw(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    base = f"/customers/{customer['id']}/consents"
    granted = created(tenant.client.post(base, json={"purpose": "marketing", "channel": "sms"}))
    assert granted["purpose"] == "marketing"
    assert granted["granted_via"] == "sms"
    assert granted["customer_id"] == customer["id"]
    assert granted["active"] is True
    assert granted["withdrawn_at"] is None
    assert granted["recorded_by"] == owner_id(tenant)

    listed = ok(tenant.client.get(base))
    assert [consent["id"] for consent in listed] == [granted["id"]]

    withdrawn = ok(tenant.client.post(f"{base}/{granted['id']}/withdraw"))
    assert withdrawn["id"] == granted["id"]
    assert withdrawn["active"] is False
    assert withdrawn["withdrawn_at"] is not None
    assert ok(tenant.client.get(base))[0]["active"] is False


def test_withdrawing_a_consent_twice_is_409(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    base = f"/customers/{customer['id']}/consents"
    granted = created(tenant.client.post(base, json={"purpose": "newsletter"}))
    ok(tenant.client.post(f"{base}/{granted['id']}/withdraw"))
    assert_problem(tenant.client.post(f"{base}/{granted['id']}/withdraw"), 409)


def test_consent_of_another_customer_is_404(tenant: Tenant) -> None:
    first = new_customer(tenant.client)
    second = new_customer(tenant.client)
    consent = created(
        tenant.client.post(f"/customers/{first['id']}/consents", json={"purpose": "calls"})
    )
    assert_problem(
        tenant.client.post(f"/customers/{second['id']}/consents/{consent['id']}/withdraw"), 404
    )
    assert_problem(
        tenant.client.post(f"/customers/{first['id']}/consents/{uuid.uuid4()}/withdraw"), 404
    )


def test_consent_without_purpose_is_422(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    assert_problem(
        tenant.client.post(f"/customers/{customer['id']}/consents", json={"purpose": ""}),
        422,
        "purpose",
    )


# -- timeline ---------------------------------------------------------------------------


def test_timeline_lists_customer_changes_newest_first(tenant: Tenant) -> None:
    customer = new_customer(tenant.client, name="Timeline")
    path = f"/customers/{customer['id']}"
    ok(tenant.client.patch(path, json={"region": "Shenzhen"}))
    ok(tenant.client.patch(path, json={"tags": ["vip"]}))
    body = ok(tenant.client.get(f"{path}/timeline"))
    entries = [entry for entry in body["items"] if entry["kind"].startswith("customer.")]
    assert [entry["kind"] for entry in entries] == [
        "customer.updated",
        "customer.updated",
        "customer.created",
    ]
    times = [datetime.datetime.fromisoformat(entry["occurred_at"]) for entry in body["items"]]
    assert times == sorted(times, reverse=True)
    assert all(entry["customer_id"] == customer["id"] for entry in body["items"])


def test_timeline_pages_with_a_cursor(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    path = f"/customers/{customer['id']}"
    for i in range(4):
        ok(tenant.client.patch(path, json={"region": f"R{i}"}))
    first = ok(tenant.client.get(f"{path}/timeline", params={"limit": 3}))
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    rest = ok(
        tenant.client.get(f"{path}/timeline", params={"limit": 3, "cursor": first["next_cursor"]})
    )
    ids = [entry["id"] for entry in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert rest["items"][-1]["kind"] == "customer.created"


def test_timeline_of_a_deleted_customer_is_404(tenant: Tenant) -> None:
    customer = new_customer(tenant.client)
    assert tenant.client.delete(f"/customers/{customer['id']}").status_code == 204
    assert_problem(tenant.client.get(f"/customers/{customer['id']}/timeline"), 404)


# -- inputs that must be refused cleanly ------------------------------------------------


@pytest.mark.parametrize("phone", ["+86 138****5678", "138****5678"])
def test_a_masked_phone_is_not_a_phone(tenant: Tenant, phone: str) -> None:
    """What agents are shown must never be stored as some other, shorter number."""
    assert_problem(
        tenant.client.post("/customers", json={"name": "X", "phone": phone}), 422, "phone"
    )
    customer = new_customer(tenant.client, phone=PHONE_E164)
    assert_problem(
        tenant.client.patch(f"/customers/{customer['id']}", json={"phone": phone}), 422, "phone"
    )
    assert ok(tenant.client.get(f"/customers/{customer['id']}"))["phone"] == PHONE_E164


def test_blank_name_is_422_naming_name(tenant: Tenant) -> None:
    assert_problem(tenant.client.post("/customers", json={"name": "   "}), 422, "name")


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("name", {"name": "nul\u0000byte"}),
        ("address", {"name": "X", "address": "line\u0000two"}),
        ("tags", {"name": "X", "tags": ["t\u0000g"]}),
    ],
    ids=["name", "address", "tag"],
)
def test_nul_character_in_a_text_field_never_yields_500(
    tenant: Tenant, field: str, body: dict[str, Any]
) -> None:
    response = tenant.client.post("/customers", json=body)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        errors = assert_problem(response, 422)["errors"]
        assert any(error["field"].startswith(field) for error in errors), errors


@pytest.mark.parametrize("param", ["q", "tag", "owner_id"])
def test_nul_character_in_a_filter_never_yields_500(tenant: Tenant, param: str) -> None:
    new_customer(tenant.client, name="Someone")
    response = tenant.client.get("/customers", params={param: "a\u0000b"})
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert_problem(response, 422, param)
