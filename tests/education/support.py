"""Helpers for the education tests."""

from __future__ import annotations

import datetime
import json
from typing import Any

from core.testing.http import Tenant
from core.testing.server import RunningServer
from tests.support.expect import ok
from tests.support.wait import eventually


def enable_education(tenant: Tenant, **config: Any) -> dict[str, Any]:
    state: dict[str, Any] = ok(tenant.client.put("/plugins/education", json={"config": config}))
    return state


def student(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(tenant.client.get(f"/plugins/education/students/{customer_id}"))
    return found


def profile(tenant: Tenant, customer_id: str, **fields: Any) -> dict[str, Any]:
    updated: dict[str, Any] = ok(
        tenant.client.put(f"/plugins/education/students/{customer_id}", json=fields)
    )
    return updated


def enrol(
    tenant: Tenant, customer_id: str, starts_on: str, ends_on: str, course: str = "雅思冲刺"
) -> dict[str, Any]:
    made: dict[str, Any] = ok(
        tenant.client.post(
            "/plugins/education/enrollments",
            json={
                "customer_id": customer_id,
                "course": course,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "fee": 100000,
            },
        ),
        201,
    )
    return made


def tier_becomes(tenant: Tenant, customer_id: str, tier: str) -> dict[str, Any]:
    """The student once their tier in force is `tier` (payments act after commit)."""
    found: dict[str, Any] = eventually(
        lambda: (s := student(tenant, customer_id))["tier"] == tier and s,
        what=f"tier {tier}",
    )
    return found


def open_tasks(tenant: Tenant, customer_id: str, kind: str | None = None) -> list[dict]:
    items = ok(
        tenant.client.get(
            "/tasks",
            params={"customer_id": customer_id, "source": "education", "status": "open"},
        )
    )["items"]
    return [t for t in items if kind is None or t["kind"] == kind]


def drain(server: RunningServer) -> None:
    """Deliver every pending event to the plugins now (`patron events drain`)."""
    done = server.cli("events", "drain", "--json", "--timeout", "60", timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failing"] == [], done.stdout


def run_schedule(
    server: RunningServer, tenant: Tenant, schedule: str, at: datetime.datetime | str
) -> dict[str, Any]:
    """Run an education schedule for `tenant` as of `at` (`patron schedules run`), then
    deliver the events it emitted."""
    stamp = at.isoformat() if isinstance(at, datetime.datetime) else at
    args = ["schedules", "run", "education", schedule, "--tenant", tenant.slug, "--json"]
    done = server.cli(*args, "--at", stamp)
    assert done.stdout.strip(), done.stderr
    run: dict[str, Any] = json.loads(done.stdout)
    assert run["status"] == "done", run
    drain(server)
    return run


def new_organization(tenant: Tenant, name: str = "合作学校") -> dict[str, Any]:
    made: dict[str, Any] = ok(
        tenant.client.post("/customers", json={"kind": "organization", "name": name}), 201
    )
    return made


def section(tenant: Tenant, customer_id: str) -> dict[str, Any] | None:
    found = ok(tenant.client.get(f"/customers/{customer_id}"))
    value: dict[str, Any] | None = found["plugins"].get("education")
    return value


def new_student(tenant: Tenant, name: str = "张三", **fields: Any) -> dict[str, Any]:
    """A person customer with a student profile (only students are tiered and scheduled)."""
    customer: dict[str, Any] = ok(tenant.client.post("/customers", json={"name": name}), 201)
    profile(tenant, customer["id"], **fields)
    return customer
