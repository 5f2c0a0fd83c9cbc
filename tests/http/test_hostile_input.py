"""Hostile input on every write route: a clear 4xx problem+json, never a 500, nothing half-written.

Generated from the route table: malformed JSON, JSON nested 1,000 deep, wrong types, unknown
fields, 1 MB strings, out-of-range numbers, impossible dates, times at the edges of the
calendar (in bodies, nested objects and query parameters), and invalid ids in paths.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.testing.http import Tenant
from tests.http.routes import Operation, build_world, openapi_of, resolve, tenant_operations

MEGABYTE_STRING = "长" * (1024 * 1024 // 3)
DEEP_JSON = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000
# Valid on their own, but at the calendar's edges: moved to UTC or a day later they overflow.
EDGE_TIMES: list[Any] = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0001-06-01T00:00:00Z",
    "9999-06-01T00:00:00+00:00",
    253402300800,  # Unix time in year 10000
    -62135596800,  # Unix time in year 1
    10**20,
    "2025-06-01T09:00:00",  # naive
]
EDGE_DATES: list[Any] = ["0001-01-01", "9999-12-31", "0001-01-02", "9999-12-30"]
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
    if "date-time" in types:
        values += EDGE_TIMES
    if "date" in types:
        values += EDGE_DATES
    return values


def _fields(schema: dict[str, Any], openapi: dict[str, Any]) -> list[tuple[list[str], Any]]:
    """(path, schema) of every property, and of the properties of nested objects."""
    found = []
    for field, sub in resolve(schema, openapi).get("properties", {}).items():
        found.append(([field], sub))
        for option in [sub, *sub.get("oneOf", []), *sub.get("anyOf", [])]:
            option = resolve(option, openapi)
            if option.get("type") == "object" and option.get("properties"):
                found += [([field, *path], s) for path, s in _fields(option, openapi)]
    return found


def _with(sample: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    if len(path) == 1:
        return {**sample, path[0]: value}
    inner = sample.get(path[0])
    return {**sample, path[0]: _with(inner if isinstance(inner, dict) else {}, path[1:], value)}


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
            DEEP_JSON,
            DEEP_OBJECT,
        ):
            response = tenant.client.request(op.method, op.url(ids), content=raw, headers=headers)
            _assert_problem(response, f"{what} body {raw[:10]!r}", failures)
        sample = op.sample_body(ids) or {}
        response = op.call(tenant.client, ids, body={**sample, "zz_unknown_field": 1})
        _assert_problem(response, f"{what} unknown field", failures)
        for path, schema in _fields(op.body_schema, openapi):
            field = ".".join(path)
            for value in _wrong_values(_types(schema, openapi)):
                if field.endswith("_id") and value == MEGABYTE_STRING:
                    continue
                response = op.call(tenant.client, ids, body=_with(sample, path, value))
                shown = value if not isinstance(value, str) or len(value) < 40 else "<1 MB>"
                _assert_problem(response, f"{what} {field}={shown!r}", failures)
    assert failures == []
    assert _counts(tenant, ids) == before


def test_edge_times_in_query_parameters_get_4xx_problems(tenant: Tenant):
    openapi = openapi_of(tenant.client)
    ids = build_world(tenant)
    failures: list[str] = []
    checked = 0
    for path, item in sorted(openapi["paths"].items()):
        for method, spec in item.items():
            op = next(
                (o for o in tenant_operations(openapi) if o.operation_id == spec["operationId"]),
                None,
            )
            if op is None or method.upper() != "GET":
                continue
            for param in spec.get("parameters", []):
                if param.get("in") != "query":
                    continue
                types = _types(param.get("schema", {}), openapi)
                values = [*(EDGE_TIMES if "date-time" in types else [])]
                values += EDGE_DATES if "date" in types else []
                for value in values:
                    checked += 1
                    response = tenant.client.get(op.url(ids), params={param["name"]: value})
                    _assert_problem(response, f"GET {path} {param['name']}={value!r}", failures)
    assert checked >= len(EDGE_TIMES)  # at least ?due_before=
    assert failures == []


def test_deep_json_on_public_and_platform_routes_gets_4xx_problems(api):
    headers = {"content-type": "application/json"}
    failures: list[str] = []
    # (One signup only: signups are rate limited and the server is shared.)
    for client, path, raw in (
        (api.client(), "/signup", DEEP_JSON),
        (api.operator(), "/platform/tenants", DEEP_JSON),
        (api.operator(), "/platform/tenants", DEEP_OBJECT),
    ):
        response = client.post(path, content=raw, headers=headers)
        _assert_problem(response, f"POST {path} deep JSON", failures)
    assert failures == []


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
