"""Tenant isolation, generated from the app's route table (api.md §2: 404, never 403).

Every route is exercised with another tenant's key: ids of one tenant are unknown to the
other, lists and searches never show foreign rows, and references to foreign ids are
refused. A new route joins these tests automatically.
"""

from __future__ import annotations

from typing import Any

from core.testing.http import Tenant
from tests.http.routes import SHARED_PARAMS, build_world, openapi_of, resolve, tenant_operations

# Reference fields in bodies and query strings, and the kind of id they hold.
REFERENCE_KIND = {
    "customer_id": "customer_id",
    "referred_by_id": "customer_id",
    "owner_id": "user_id",
    "assignee_id": "user_id",
    "collected_by": "user_id",
    "refund_of_id": "payment_id",
    "reward_id": "reward_id",
}
# What else a body needs for the reference to be considered at all.
# Fields named like references that hold no id of ours.
NOT_REFERENCES = {"messaging_id"}
REFERENCE_CONTEXT: dict[str, dict[str, Any]] = {
    "refund_of_id": {"kind": "refund"},
    # A catalogue item sets the points itself.
    "reward_id": {"points": None},
}


def _leaks(text: str, victim: Tenant, victim_ids: dict[str, str]) -> list[str]:
    secrets = [
        f"Secret of {victim.slug}",
        *(value for key, value in victim_ids.items() if key not in SHARED_PARAMS),
    ]
    return [secret for secret in secrets if secret in text]


def test_every_route_with_an_id_is_404_for_another_tenant(tenant: Tenant, other_tenant: Tenant):
    openapi = openapi_of(tenant.client)
    victim_ids, attacker_ids = build_world(tenant), build_world(other_tenant)
    failures = []
    for op in tenant_operations(openapi):
        if not op.resource_params:
            continue
        url_ids = {**attacker_ids, **{p: victim_ids[p] for p in op.resource_params}}
        response = op.call(other_tenant.client, url_ids, body=op.sample_body(attacker_ids))
        if response.status_code != 404:
            failures.append(f"{op.method} {op.path}: {response.status_code} {response.text[:200]}")
        elif leaked := _leaks(response.text, tenant, victim_ids):
            failures.append(f"{op.method} {op.path}: leaked {leaked}")
    assert failures == []

    # Nothing the attacker tried changed the victim's data.
    customer = tenant.client.get(f"/customers/{victim_ids['customer_id']}")
    assert customer.status_code == 200
    assert customer.json()["name"] == f"Secret of {tenant.slug}"
    keys = tenant.client.get(f"/users/{victim_ids['user_id']}/api-keys").json()
    assert [k["revoked_at"] for k in keys if k["id"] == victim_ids["api_key_id"]] == [None]
    contacts = tenant.client.get(f"/customers/{victim_ids['customer_id']}/contacts").json()
    assert [c["id"] for c in contacts["items"]] == [victim_ids["contact_id"]]


def test_lists_and_searches_never_show_foreign_rows(tenant: Tenant, other_tenant: Tenant):
    openapi = openapi_of(tenant.client)
    victim_ids, attacker_ids = build_world(tenant), build_world(other_tenant)
    failures = []
    for op in tenant_operations(openapi):
        if op.method != "GET":
            continue
        spec = openapi["paths"][op.path]["get"]
        query_names = [p["name"] for p in spec.get("parameters", []) if p["in"] == "query"]
        queries: list[dict[str, Any]] = [{}]
        queries += [
            {name: victim_ids[REFERENCE_KIND[name]]}
            for name in query_names
            if name in REFERENCE_KIND
        ]
        if "q" in query_names:
            queries += [{"q": "Secret"}, {"q": "13900001111"}]
        for params in queries:
            response = other_tenant.client.get(op.url(attacker_ids), params=params)
            if response.status_code >= 500:
                failures.append(f"GET {op.path} {params}: {response.status_code}")
            elif leaked := _leaks(response.text, tenant, victim_ids):
                failures.append(f"GET {op.path} {params}: leaked {leaked}")
    assert failures == []


def test_references_to_foreign_ids_are_refused(tenant: Tenant, other_tenant: Tenant):
    openapi = openapi_of(tenant.client)
    victim_ids, attacker_ids = build_world(tenant), build_world(other_tenant)
    failures, tried = [], 0
    for op in tenant_operations(openapi):
        if not op.writes or op.body_schema is None:
            continue
        properties = resolve(op.body_schema, openapi).get("properties", {})
        for field in properties:
            if field in NOT_REFERENCES or (not field.endswith("_id") and field != "collected_by"):
                continue
            assert field in REFERENCE_KIND, f"{op.operation_id}.{field}: add it to REFERENCE_KIND"
            body = {
                **op.sample_body(attacker_ids),
                **REFERENCE_CONTEXT.get(field, {}),
                field: victim_ids[REFERENCE_KIND[field]],
            }
            response = op.call(other_tenant.client, attacker_ids, body=body)
            tried += 1
            if response.status_code not in (404, 422):
                failures.append(
                    f"{op.method} {op.path} {field}: {response.status_code} {response.text[:200]}"
                )
    assert tried >= 5
    assert failures == []
    # The victim's payment was not refunded from the other tenant.
    payment = tenant.client.get(f"/payments/{victim_ids['payment_id']}").json()
    assert payment.get("refunded", 0) == 0
