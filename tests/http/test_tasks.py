"""Tasks over real HTTP (api.md §2, §4).

`POST /tasks` → 201 `open`/`manual`; references within the tenant; every filter of
`GET /tasks`; status changes and `completed_at`; instants with an offset; keyset
pagination; role floors.
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


def new_task(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    return created(client.post("/tasks", json={"title": "Call back", **fields}))


def owner_id(tenant: Tenant) -> str:
    users = ok(tenant.client.get("/users"))["items"]
    owners = [user["id"] for user in users if user["role"] == "owner"]
    assert len(owners) == 1, users
    return owners[0]


def task_ids(client: httpx.Client, **params: Any) -> set[str]:
    """Every task id the filtered list yields, following cursors."""
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get("/tasks", params=query))
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(ids) == len(set(ids)), "a task was listed twice"
    return set(ids)


# -- creating ---------------------------------------------------------------------------


def test_task_is_created_open_and_manual_by_the_caller(api: Api, tenant: Tenant):
    customer = new_customer(tenant.client)
    agent_id, agent = add_staff(api, tenant, "agent")
    due = "2031-05-01T09:30:00+08:00"
    task = new_task(
        agent,
        title="Call about the trial lesson",
        kind="callback",
        customer_id=customer["id"],
        assignee_id=agent_id,
        due_at=due,
        priority="high",
    )
    assert task["status"] == "open"
    assert task["source"] == "manual"
    assert task["created_by"] == agent_id
    assert task["title"] == "Call about the trial lesson"
    assert task["kind"] == "callback"
    assert task["customer_id"] == customer["id"]
    assert task["assignee_id"] == agent_id
    assert task["priority"] == "high"
    assert task["completed_at"] is None
    assert instant(task["due_at"]) == instant(due)
    uuid.UUID(task["id"])

    fetched = ok(tenant.client.get(f"/tasks/{task['id']}"))
    assert fetched == task


def test_a_minimal_task_takes_the_defaults(tenant: Tenant):
    task = new_task(tenant.client, title="Just a note")
    assert task["status"] == "open"
    assert task["source"] == "manual"
    assert task["priority"] == "normal"
    assert task["created_by"] == owner_id(tenant)
    for field in ("kind", "customer_id", "assignee_id", "due_at", "completed_at"):
        assert task[field] is None, field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "t", "priority": "whenever"}, "priority"),
        ({"title": "t", "customer_id": "not-a-uuid"}, "customer_id"),
        ({"title": "t", "status": "done"}, None),  # status is not chosen at creation
        ({"title": "t", "source": "care"}, None),  # nor is the source
    ],
)
def test_an_invalid_task_is_422(tenant: Tenant, body: dict[str, Any], field: str | None):
    assert_problem(tenant.client.post("/tasks", json=body), 422, field)
    assert task_ids(tenant.client) == set()


def test_task_for_an_unknown_or_deleted_customer_is_422_naming_customer_id(
    tenant: Tenant, other_tenant: Tenant
):
    c = tenant.client
    deleted = new_customer(c)
    assert c.delete(f"/customers/{deleted['id']}").status_code == 204
    foreign = new_customer(other_tenant.client)
    for customer_id in (str(uuid.uuid4()), deleted["id"], foreign["id"]):
        body = assert_problem(
            c.post("/tasks", json={"title": "t", "customer_id": customer_id}), 422, "customer_id"
        )
        assert foreign["id"] not in body["detail"]
    assert task_ids(c) == set()
    assert task_ids(other_tenant.client) == set()


def test_task_with_an_unknown_assignee_is_422_naming_assignee_id(
    tenant: Tenant, other_tenant: Tenant
):
    c = tenant.client
    foreign_user = owner_id(other_tenant)
    for assignee_id in (str(uuid.uuid4()), foreign_user):
        assert_problem(
            c.post("/tasks", json={"title": "t", "assignee_id": assignee_id}), 422, "assignee_id"
        )
    assert task_ids(c) == set()

    task = new_task(c)
    for assignee_id in (str(uuid.uuid4()), foreign_user):
        assert_problem(
            c.patch(f"/tasks/{task['id']}", json={"assignee_id": assignee_id}), 422, "assignee_id"
        )
    assert ok(c.get(f"/tasks/{task['id']}"))["assignee_id"] is None


def test_both_bad_references_are_named_at_once(tenant: Tenant):
    body = assert_problem(
        tenant.client.post(
            "/tasks",
            json={"title": "t", "customer_id": str(uuid.uuid4()), "assignee_id": str(uuid.uuid4())},
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"customer_id", "assignee_id"}


@pytest.mark.parametrize("due_at", ["2031-05-01T09:30:00", "2031-05-01", "tomorrow"])
def test_a_due_at_without_an_offset_is_422(tenant: Tenant, due_at: str):
    c = tenant.client
    assert_problem(c.post("/tasks", json={"title": "t", "due_at": due_at}), 422, "due_at")
    assert task_ids(c) == set()
    task = new_task(c, due_at="2031-05-01T09:30:00Z")
    assert_problem(c.patch(f"/tasks/{task['id']}", json={"due_at": due_at}), 422, "due_at")
    assert instant(ok(c.get(f"/tasks/{task['id']}"))["due_at"]) == datetime.datetime(
        2031, 5, 1, 9, 30, tzinfo=UTC
    )


def test_due_at_keeps_the_instant_whatever_the_offset(tenant: Tenant):
    c = tenant.client
    task = new_task(c, due_at="2031-05-01T09:30:00+08:00")
    assert instant(ok(c.get(f"/tasks/{task['id']}"))["due_at"]) == datetime.datetime(
        2031, 5, 1, 1, 30, tzinfo=UTC
    )


# -- filters ----------------------------------------------------------------------------


def test_every_task_filter_returns_exactly_the_matching_tasks(api: Api, tenant: Tenant):
    c = tenant.client
    ann, bob = new_customer(c, name="Ann"), new_customer(c, name="Bob")
    ua, _ = add_staff(api, tenant, "agent")
    ub, _ = add_staff(api, tenant, "supervisor")
    base = datetime.datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    specs = [
        {"customer_id": ann["id"], "assignee_id": ua, "due": base - datetime.timedelta(days=2)},
        {"customer_id": ann["id"], "assignee_id": ub, "due": base},
        {"customer_id": bob["id"], "assignee_id": ua, "due": base + datetime.timedelta(days=1)},
        {"customer_id": bob["id"], "assignee_id": None, "due": None},
        {"customer_id": None, "assignee_id": ub, "due": base - datetime.timedelta(seconds=1)},
        {"customer_id": None, "assignee_id": None, "due": base - datetime.timedelta(days=30)},
    ]
    statuses = ["open", "done", "canceled", "open", "done", "open"]
    tasks = []
    for i, (spec, status) in enumerate(zip(specs, statuses, strict=True)):
        due = spec["due"].isoformat() if spec["due"] else None
        task = new_task(
            c,
            title=f"task {i}",
            customer_id=spec["customer_id"],
            assignee_id=spec["assignee_id"],
            due_at=due,
        )
        if status != "open":
            ok(c.patch(f"/tasks/{task['id']}", json={"status": status}))
        tasks.append({**spec, "id": task["id"], "status": status})

    def matching(**want: Any) -> set[str]:
        return {t["id"] for t in tasks if all(t[k] == v for k, v in want.items())}

    every = {t["id"] for t in tasks}
    assert task_ids(c) == every
    for status in ("open", "done", "canceled"):
        assert task_ids(c, status=status) == matching(status=status), status
    for customer in (ann, bob):
        assert task_ids(c, customer_id=customer["id"]) == matching(customer_id=customer["id"])
    for assignee in (ua, ub):
        assert task_ids(c, assignee_id=assignee) == matching(assignee_id=assignee)
    assert task_ids(c, source="manual") == every
    assert task_ids(c, source="care") == set()

    # due_before is strict and compares instants, whatever the offset of the query.
    expected = {t["id"] for t in tasks if t["due"] is not None and t["due"] < base}
    assert len(expected) == 3
    assert task_ids(c, due_before=base.isoformat()) == expected
    assert task_ids(c, due_before=base.astimezone(SHANGHAI).isoformat()) == expected
    assert task_ids(c, due_before="2031-03-01T12:00:00Z") == expected
    later = base + datetime.timedelta(days=7)
    assert task_ids(c, due_before=later.isoformat()) == {t["id"] for t in tasks if t["due"]}

    # Filters combine.
    assert task_ids(c, status="open", customer_id=ann["id"]) == matching(
        status="open", customer_id=ann["id"]
    )
    assert task_ids(c, customer_id=bob["id"], assignee_id=ua) == matching(
        customer_id=bob["id"], assignee_id=ua
    )
    assert task_ids(c, status="done", due_before=base.isoformat()) == {
        t["id"] for t in tasks if t["status"] == "done" and t["due"] and t["due"] < base
    }

    # Unknown ids match nothing.
    assert task_ids(c, customer_id=str(uuid.uuid4())) == set()
    assert task_ids(c, assignee_id=str(uuid.uuid4())) == set()


def test_task_filters_never_match_another_tenants_tasks(tenant: Tenant, other_tenant: Tenant):
    theirs = new_customer(other_tenant.client)
    new_task(other_tenant.client, customer_id=theirs["id"])
    mine = new_task(tenant.client)
    assert task_ids(tenant.client) == {mine["id"]}
    assert task_ids(tenant.client, customer_id=theirs["id"]) == set()
    assert task_ids(tenant.client, source="manual") == {mine["id"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"due_before": "2031-03-01T12:00:00"}, "due_before"),
        ({"due_before": "soon"}, "due_before"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_an_invalid_task_filter_is_422(tenant: Tenant, params: dict[str, Any], field: str):
    assert_problem(tenant.client.get("/tasks", params=params), 422, field)


# -- status -----------------------------------------------------------------------------


def test_done_sets_completed_at_and_canceled_or_open_clear_it(tenant: Tenant):
    c = tenant.client
    task = new_task(c)
    url = f"/tasks/{task['id']}"

    before = datetime.datetime.now(UTC) - datetime.timedelta(seconds=5)
    done = ok(c.patch(url, json={"status": "done"}))
    after = datetime.datetime.now(UTC) + datetime.timedelta(seconds=5)
    assert done["status"] == "done"
    completed_at = instant(done["completed_at"])
    assert completed_at is not None and before <= completed_at <= after
    assert ok(c.get(url))["completed_at"] == done["completed_at"]

    # Done again: nothing moves.
    again = ok(c.patch(url, json={"status": "done"}))
    assert instant(again["completed_at"]) == completed_at

    canceled = ok(c.patch(url, json={"status": "canceled"}))
    assert canceled["status"] == "canceled"
    assert canceled["completed_at"] is None

    reopened = ok(c.patch(url, json={"status": "open"}))
    assert reopened["status"] == "open"
    assert reopened["completed_at"] is None
    assert ok(c.get(url))["status"] == "open"

    done_again = ok(c.patch(url, json={"status": "done"}))
    assert instant(done_again["completed_at"]) >= completed_at  # type: ignore[operator]
    reopened = ok(c.patch(url, json={"status": "open"}))
    assert reopened["completed_at"] is None


def test_patch_changes_only_the_fields_given(api: Api, tenant: Tenant):
    c = tenant.client
    agent_id, _ = add_staff(api, tenant, "agent")
    task = new_task(c, kind="visit", due_at="2031-01-01T00:00:00Z", assignee_id=agent_id)
    patched = ok(c.patch(f"/tasks/{task['id']}", json={"title": "Renamed", "priority": "urgent"}))
    assert patched["title"] == "Renamed"
    assert patched["priority"] == "urgent"
    for field in ("kind", "due_at", "assignee_id", "status", "source", "created_by"):
        assert patched[field] == task[field], field
    cleared = ok(c.patch(f"/tasks/{task['id']}", json={"assignee_id": None, "due_at": None}))
    assert cleared["assignee_id"] is None
    assert cleared["due_at"] is None
    assert cleared["kind"] == "visit"


@pytest.mark.parametrize("status", ["finished", "DONE", "", None])
def test_an_invalid_task_status_is_422(tenant: Tenant, status: Any):
    c = tenant.client
    task = new_task(c)
    assert_problem(c.patch(f"/tasks/{task['id']}", json={"status": status}), 422, "status")
    assert ok(c.get(f"/tasks/{task['id']}"))["status"] == "open"


def test_patching_an_unknown_or_foreign_task_is_404(tenant: Tenant, other_tenant: Tenant):
    foreign = new_task(other_tenant.client, title="Theirs")
    for task_id in (str(uuid.uuid4()), "not-a-uuid", foreign["id"]):
        assert_problem(tenant.client.patch(f"/tasks/{task_id}", json={"status": "done"}), 404)
        assert_problem(tenant.client.get(f"/tasks/{task_id}"), 404)
    theirs = ok(other_tenant.client.get(f"/tasks/{foreign['id']}"))
    assert theirs["status"] == "open"


# -- pagination -------------------------------------------------------------------------


def test_pagination_walks_all_tasks_exactly_once(tenant: Tenant):
    c = tenant.client
    made = {new_task(c, title=f"task {i}")["id"] for i in range(120)}
    assert len(made) == 120
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    for _ in range(10):
        page = ok(c.get("/tasks", params={"limit": 50, **({"cursor": cursor} if cursor else {})}))
        sizes.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [50, 50, 20]
    assert len(seen) == len(set(seen)) == 120
    assert set(seen) == made
    # Default limit is 50.
    default = ok(c.get("/tasks"))
    assert len(default["items"]) == 50
    assert default["next_cursor"] is not None


def test_a_filtered_list_paginates_within_the_filter(tenant: Tenant):
    c = tenant.client
    customer = new_customer(c)
    mine = {new_task(c, customer_id=customer["id"])["id"] for _ in range(7)}
    for _ in range(5):
        new_task(c)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {
            "limit": 3,
            "customer_id": customer["id"],
            **({"cursor": cursor} if cursor else {}),
        }
        page = ok(c.get("/tasks", params=params))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == mine


# -- roles ------------------------------------------------------------------------------


def test_a_viewer_cannot_create_or_change_tasks(tenant: Tenant):
    c = tenant.client
    task = new_task(c)
    viewer = tenant.as_role("viewer")
    assert_problem(viewer.post("/tasks", json={"title": "from a viewer"}), 403)
    assert_problem(viewer.patch(f"/tasks/{task['id']}", json={"status": "done"}), 403)
    assert task_ids(viewer) == {task["id"]}  # but reads them
    assert ok(c.get(f"/tasks/{task['id']}"))["status"] == "open"


def test_an_agent_creates_and_completes_tasks(api: Api, tenant: Tenant):
    agent_id, agent = add_staff(api, tenant, "agent")
    task = new_task(agent, assignee_id=agent_id)
    done = ok(agent.patch(f"/tasks/{task['id']}", json={"status": "done"}))
    assert done["status"] == "done"
    assert done["created_by"] == agent_id
    assert task_ids(tenant.client, assignee_id=agent_id, status="done") == {task["id"]}
