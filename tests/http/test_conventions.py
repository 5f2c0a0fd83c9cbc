"""HTTP conventions of api.md §2 that hold for every route."""

from __future__ import annotations

import httpx
import pytest

from core.testing.http import Tenant
from core.testing.server import RunningServer


def _is_problem(response: httpx.Response, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/problem+json")
        and body["status"] == status
        and {"type", "title", "detail"} <= set(body)
    )


def test_health_answers_200_when_the_database_is_reachable(server: RunningServer):
    response = httpx.get(server.base_url + "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_and_interactive_reference(server: RunningServer):
    document = httpx.get(server.base_url + "/schema/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/customers" in document["paths"]
    operation_ids = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    page = httpx.get(server.base_url + "/schema")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_unknown_routes_and_methods_are_problems(tenant: Tenant):
    assert _is_problem(tenant.client.get("/no-such-thing"), 404)
    assert _is_problem(tenant.client.put("/customers"), 405)


def test_oversized_bodies_are_refused(tenant: Tenant):
    response = tenant.client.post(
        "/customers", content=b"x" * (6 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert _is_problem(response, 413)


@pytest.mark.parametrize("limit", ["0", "-3", "501", "many"])
def test_list_limits_outside_1_to_500_are_422(tenant: Tenant, limit: str):
    assert _is_problem(tenant.client.get("/customers", params={"limit": limit}), 422)


def test_lists_use_the_items_and_next_cursor_envelope(tenant: Tenant):
    for i in range(3):
        tenant.client.post("/customers", json={"name": f"C{i}"})
    first = tenant.client.get("/customers", params={"limit": 2}).json()
    assert set(first) == {"items", "next_cursor"} and len(first["items"]) == 2
    rest = tenant.client.get("/customers", params={"limit": 2, "cursor": first["next_cursor"]})
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
