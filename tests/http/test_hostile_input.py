"""Hostile input on every write route: a clear 4xx problem+json, never a 500, nothing half-written.

Generated from the route table: malformed JSON, wrong types, unknown fields, 1 MB strings,
out-of-range numbers, impossible dates, and invalid ids in paths.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.http.routes import Operation, build_world, openapi_of, resolve, tenant_operations

MEGABYTE_STRING = "长" * (1024 * 1024 // 3)
BAD_PATH_IDS = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1' OR '1'='1", "%2e%2e"]


def _types(schema: dict[str, Any], openapi: dict[str, Any]) -> set[str]:
    schema = resolve(schema, openapi)
    found = set()
    for option in schema.get("oneOf", []) + schema.get("anyOf", []) + [schema]:
        option = resolve(option, openapi)
        kind = option.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
        if "enum" in option:
            found.add("enum")
        if option.get("format") in ("date", "date-time"):
            found.add(option["format"])
    return found - {"null"}


def _wrong_values(types: set[str]) -> list[Any]:
    values: list[Any] = []
    if types & {"string", "enum"} and not types & {"date", "date-time"}:
        values += [12345]
    if types & {"string", "enum", "date", "date-time"}:
        # (Litestar converts bodies leniently: a number where a time is expected is a
        # Unix time, so numbers are not hostile to time fields.)
        values += [{"nested": []}, True]
    if "integer" in types or "number" in types:
        values += ["abc", -1, 10**30, 1.5]
    if "boolean" in types:
        values += ["maybe", 7]
    if "array" in types:
        values += ["abc", {"a": 1}]
    if "object" in types:
        values += ["abc", [1, 2]]
    if types & {"date", "date-time"}:
        values += ["2025-13-40", "2025-02-30T25:61:00Z"]
    if "string" in types:
        values += [MEGABYTE_STRING]
    return values


def _assert_problem(response: httpx.Response, what: str, failures: list[str]) -> None:
    if response.status_code >= 500 or response.status_code < 400:
        failures.append(f"{what}: {response.status_code} {response.text[:300]}")
    elif not response.headers.get("content-type", "").startswith("application/problem+json"):
        failures.append(f"{what}: {response.status_code} without problem+json")
    else:
        body = response.json()
        if not {"type", "title", "status", "detail"} <= set(body):
            failures.append(f"{what}: problem document lacks fields: {body}")


def _counts(tenant: Tenant, ids: dict[str, str]) -> dict[str, int]:
    """How many rows of each kind the tenant has (walking every page)."""
    counts = {}
    for path in (
        "/customers",
        "/tasks",
        "/payments",
        "/users",
        f"/customers/{ids['customer_id']}/contacts",
        f"/customers/{ids['customer_id']}/interactions",
        f"/customers/{ids['customer_id']}/timeline",
    ):
        total, cursor = 0, None
        while True:
            page = tenant.client.get(
                path, params={"limit": 500, **({"cursor": cursor} if cursor else {})}
            )
            assert page.status_code == 200, page.text
            total += len(page.json()["items"])
            cursor = page.json()["next_cursor"]
            if not cursor:
                break
        counts[path] = total
    return counts


def _write_operations(openapi: dict[str, Any]) -> list[Operation]:
    return [op for op in tenant_operations(openapi) if op.writes]


def test_hostile_bodies_get_4xx_problems_and_write_nothing(tenant: Tenant):
    openapi = openapi_of(tenant.client)
    ids = build_world(tenant)
    before = _counts(tenant, ids)
    failures: list[str] = []
    for op in _write_operations(openapi):
        if op.body_schema is None:  # takes no body: there is nothing to be hostile with
            continue
        what = f"{op.method} {op.path}"
        headers = {"content-type": "application/json"}
        for raw in (
            b"{bad",
            b"[]",
            b"",
            b"null",
            b'"text"',
            '{"name": "\ud800"}'.encode("utf-8", "surrogatepass"),
        ):
            response = tenant.client.request(op.method, op.url(ids), content=raw, headers=headers)
            _assert_problem(response, f"{what} body {raw[:10]!r}", failures)
        sample = op.sample_body(ids) or {}
        response = op.call(tenant.client, ids, body={**sample, "zz_unknown_field": 1})
        _assert_problem(response, f"{what} unknown field", failures)
        properties = resolve(op.body_schema, openapi).get("properties", {})
        for field, schema in properties.items():
            for value in _wrong_values(_types(schema, openapi)):
                if field.endswith("_id") and value == MEGABYTE_STRING:
                    continue
                response = op.call(tenant.client, ids, body={**sample, field: value})
                shown = value if not isinstance(value, str) or len(value) < 40 else "<1 MB>"
                _assert_problem(response, f"{what} {field}={shown!r}", failures)
    assert failures == []
    assert _counts(tenant, ids) == before


@pytest.mark.parametrize("bad_id", BAD_PATH_IDS)
def test_invalid_ids_in_paths_are_404(tenant: Tenant, bad_id: str):
    openapi = openapi_of(tenant.client)
    ids = build_world(tenant)
    failures: list[str] = []
    for op in tenant_operations(openapi):
        for param in op.resource_params:
            response = op.call(tenant.client, {**ids, param: bad_id})
            if response.status_code != 404:
                failures.append(f"{op.method} {op.path} {param}={bad_id}: {response.status_code}")
            else:
                _assert_problem(response, f"{op.method} {op.path}", failures)
    assert failures == []


def test_unauthenticated_calls_get_401_problems(api, tenant: Tenant):
    openapi = openapi_of(tenant.client)
    ids = build_world(tenant)
    failures: list[str] = []
    for key in (None, "pat_not-a-real-key", "Basic abc"):
        client = api.client(key)
        for op in tenant_operations(openapi):
            response = op.call(client, ids)
            if response.status_code != 401:
                failures.append(f"{op.method} {op.path} key={key}: {response.status_code}")
    assert failures == []
