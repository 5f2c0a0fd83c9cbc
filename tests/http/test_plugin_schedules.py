"""Plugin schedules over HTTP on each backend, for plugins with routes of their own
(education, gym): listed by slug with the next run in the tenant's zone, run on demand by an
admin through the job queue, each run's status readable by the tenant alone."""

from __future__ import annotations

import datetime

from core.testing.http import Tenant
from tests.support.wait import finished_run


def test_educations_schedules_are_slugs_with_their_next_run_in_tenant_time(tenant: Tenant):
    tenant.enable_plugin("education")
    response = tenant.client.get("/plugins/education/schedules")
    assert response.status_code == 200, response.text
    items = {s["name"]: s for s in response.json()["items"]}
    assert {name: s["every"] for name, s in items.items()} == {
        "care": "daily 08:00",
        "lifecycle": "daily 01:00",
        "reevaluation": "monthly 1 03:00",
    }
    care = datetime.datetime.fromisoformat(items["care"]["next_run_at"])
    assert care.utcoffset() == datetime.timedelta(hours=8)  # Asia/Shanghai, the default
    assert (care.hour, care.minute) == (8, 0)
    reevaluation = datetime.datetime.fromisoformat(items["reevaluation"]["next_run_at"])
    assert (reevaluation.day, reevaluation.hour) == (1, 3)


def test_an_admin_runs_a_schedule_now_and_reads_its_status(tenant: Tenant, other_tenant: Tenant):
    tenant.enable_plugin("education")
    other_tenant.enable_plugin("education")
    response = tenant.client.post("/plugins/education/schedules/reevaluation/runs")
    assert response.status_code == 202, response.text
    path = f"/plugins/education/schedules/reevaluation/runs/{response.json()['id']}"
    run = finished_run(tenant.client, path)
    assert run["status"] == "done", run
    assert run["plugin"] == "education" and run["schedule"] == "reevaluation"
    assert run["finished_at"] >= run["started_at"] >= run["requested_at"]
    # Another tenant's run, and this run under another schedule, are unknown.
    assert other_tenant.client.get(path).status_code == 404
    assert tenant.client.get(path.replace("reevaluation/runs", "care/runs")).status_code == 404
    # Only admins run schedules.
    supervisor = tenant.as_role("supervisor")
    assert supervisor.post("/plugins/education/schedules/care/runs").status_code == 403


def test_schedules_of_a_plugin_the_tenant_has_not_enabled_are_404(tenant: Tenant):
    assert tenant.client.get("/plugins/education/schedules").status_code == 404
    assert tenant.client.post("/plugins/education/schedules/care/runs").status_code == 404
    tenant.enable_plugin("gym")
    assert tenant.client.post("/plugins/gym/schedules/care/runs").status_code == 404
    assert [s["name"] for s in tenant.client.get("/plugins/gym/schedules").json()["items"]] == [
        "expire-memberships"
    ]
