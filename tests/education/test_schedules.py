"""The education schedules a tenant sees: the daily care check at `care_check_time`
(default 08:00, before the 10:00 the birthday check is due, seed 003), the daily lifecycle
moves at 01:00 and the periodic re-evaluation; a check time not before the due time is
refused."""

from __future__ import annotations

from core.testing.http import Tenant
from tests.education.support import enable_education
from tests.support.expect import assert_problem, ok


def _every(tenant: Tenant) -> dict[str, str]:
    items = ok(tenant.client.get("/plugins/education/schedules"))["items"]
    return {item["name"]: item["every"] for item in items}


def test_the_care_check_runs_at_08_00_by_default_and_at_the_configured_time(tenant: Tenant):
    enable_education(tenant)
    assert _every(tenant) == {
        "care": "daily 08:00",
        "lifecycle": "daily 01:00",
        "reevaluation": "monthly 1 03:00",
    }
    enable_education(tenant, care_check_time="07:30", birthday_check_due="09:00")
    assert _every(tenant)["care"] == "daily 07:30"


def test_the_check_must_run_before_it_is_due(tenant: Tenant):
    for config in ({"care_check_time": "10:00"}, {"care_check_time": "25:00"}):
        response = tenant.client.put("/plugins/education", json={"config": config})
        assert_problem(response, 422)
