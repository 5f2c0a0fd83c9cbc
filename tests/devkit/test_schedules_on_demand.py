"""Plugin schedules as a plugin author and an admin meet them: listed with their next run,
run on demand through the API (`{name}` routes: the sample plugins have no routes of their
own) and the `patron_run_schedule` fixture, with a time of day from the tenant's config."""

from __future__ import annotations

import datetime

import pytest

from tests.support.wait import finished_run


def _tasks(tenant) -> list[str]:
    items = tenant.client.get("/tasks", params={"source": "stamps"}).json()["items"]
    return sorted(t["title"] for t in items if t["kind"] == "reminder")


def test_schedules_list_the_time_from_config_and_the_next_run_in_tenant_time(
    patron_tenant_factory,
):
    tenant = patron_tenant_factory(
        plugins={"stamps": {"reminder_time": "07:30"}}, timezone="Europe/Berlin"
    )
    response = tenant.client.get("/plugins/stamps/schedules")
    assert response.status_code == 200, response.text
    [schedule] = response.json()["items"]
    assert schedule["name"] == "reminders"
    assert schedule["every"] == "daily 07:30"
    next_run = datetime.datetime.fromisoformat(schedule["next_run_at"])
    assert next_run.utcoffset() in {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}
    assert (next_run.hour, next_run.minute) == (7, 30)
    now = datetime.datetime.now(datetime.UTC)
    assert now < next_run <= now + datetime.timedelta(days=1)


def test_a_schedule_time_from_config_must_be_a_time_of_day(patron_tenant_factory):
    tenant = patron_tenant_factory()
    response = tenant.client.put("/plugins/stamps", json={"config": {"reminder_time": "25:00"}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["config.reminder_time"]


def test_run_on_demand_through_the_api(patron_tenant_factory, patron_client):
    tenant = patron_tenant_factory(plugins=["stamps"])
    admin = patron_client(tenant, role="admin")
    response = admin.post("/plugins/stamps/schedules/reminders/runs")
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    run = finished_run(admin, f"/plugins/stamps/schedules/reminders/runs/{run_id}")
    assert run["status"] == "done", run
    assert len(_tasks(tenant)) == 1
    # Only admins run schedules; anyone reads a run.
    agent = patron_client(tenant)
    assert agent.post("/plugins/stamps/schedules/reminders/runs").status_code == 403
    assert agent.get(f"/plugins/stamps/schedules/reminders/runs/{run_id}").status_code == 200


def test_unknown_plugins_schedules_and_runs_and_disabled_plugins_are_404(
    patron_tenant_factory, patron_client
):
    tenant = patron_tenant_factory(plugins=["stamps"])
    admin = patron_client(tenant, role="admin")
    for path in (
        "/plugins/nope/schedules",
        "/plugins/faulty/schedules",  # installed, not enabled
        "/plugins/stamps/schedules/nope/runs/0190a0a0-0000-7000-8000-000000000000",
        "/plugins/stamps/schedules/reminders/runs/0190a0a0-0000-7000-8000-000000000000",
        "/plugins/stamps/schedules/reminders/runs/not-an-id",
    ):
        assert admin.get(path).status_code == 404, path
    for path in ("/plugins/nope/schedules/x/runs", "/plugins/faulty/schedules/break-down/runs"):
        assert admin.post(path).status_code == 404, path
    assert admin.post("/plugins/stamps/schedules/nope/runs").status_code == 404


def test_a_failing_run_says_failed_with_the_error(patron_tenant_factory, patron_client):
    tenant = patron_tenant_factory(plugins=["faulty"])
    admin = patron_client(tenant, role="admin")
    run_id = admin.post("/plugins/faulty/schedules/break-down/runs").json()["id"]
    run = finished_run(admin, f"/plugins/faulty/schedules/break-down/runs/{run_id}")
    assert run["status"] == "failed"
    assert "the faulty schedule broke on purpose" in run["error"]


def test_run_schedule_fixture_runs_at_the_instant_asked_for(
    patron_tenant_factory, patron_run_schedule
):
    tenant = patron_tenant_factory(plugins=["stamps"], timezone="Asia/Shanghai")
    # 23:30 UTC on the 1st is the 2nd in Shanghai.
    at = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    run = patron_run_schedule(tenant, "stamps", "reminders", at=at)
    assert run["status"] == "done"
    assert datetime.datetime.fromisoformat(run["run_at"]) == at
    patron_run_schedule(tenant, "stamps", "reminders", at="2026-03-05T09:00")
    assert _tasks(tenant) == ["Stamp reminders for 2026-03-02", "Stamp reminders for 2026-03-05"]
    # The CLI's run is recorded like an API one.
    assert (
        tenant.client.get(f"/plugins/stamps/schedules/reminders/runs/{run['id']}").json()["status"]
        == "done"
    )


def test_run_schedule_fixture_fails_the_test_when_the_job_raised(
    patron_tenant_factory, patron_run_schedule
):
    tenant = patron_tenant_factory(plugins=["faulty"])
    with pytest.raises(AssertionError, match="the faulty schedule broke on purpose"):
        patron_run_schedule(tenant, "faulty", "break-down")
    assert patron_run_schedule(tenant, "faulty", "break-down", check=False)["status"] == "failed"


def test_the_test_server_runs_no_schedule_by_the_clock(patron_server):
    assert patron_server.env["PATRON_SCHEDULER"] == "off"
