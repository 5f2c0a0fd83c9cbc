"""The care routes and the consent setting over HTTP (a real server): bad input, an empty
segment, the messages list with purpose and status, the tenant's `marketing_consent`."""

from __future__ import annotations

from core.testing.http import Tenant
from tests.support.expect import field_errors
from tests.support.wait import eventually


def test_templates_with_unknown_fields_are_refused_naming_the_field(tenant: Tenant):
    c = tenant.client
    bad = {"occasions": [{"kind": "birthday", "template": "{name}，{nickname}生日快乐"}]}
    response = c.put("/plugins/care", json={"config": bad})
    assert response.status_code == 422, response.text
    assert "config.occasions[0].template" in field_errors(response)
    assert "{nickname}" in response.text
    # Format specs and attribute access are not placeholders either.
    for template in ("{name:>9999}", "{name.__class__}"):
        bad = {"occasions": [{"kind": "birthday", "template": template}]}
        assert c.put("/plugins/care", json={"config": bad}).status_code == 422


def test_a_day_that_does_not_exist_is_refused(tenant: Tenant):
    config = {"occasions": [{"kind": "date", "name": "founding", "date": "02-31", "template": "x"}]}
    response = tenant.client.put("/plugins/care", json={"config": config})
    assert response.status_code == 422, response.text
    assert "config.occasions[0].date" in field_errors(response)


def test_qingming_cannot_be_configured(tenant: Tenant):
    config = {"occasions": [{"kind": "festival", "name": "qingming", "template": "{name}"}]}
    response = tenant.client.put("/plugins/care", json={"config": config})
    assert response.status_code == 422
    assert "config.occasions[0].name" in field_errors(response)


def test_the_default_config_and_schedule_names(tenant: Tenant):
    c = tenant.client
    assert c.put("/plugins/care", json={"config": {}}).status_code == 200
    [care] = [p for p in c.get("/plugins").json()["items"] if p["name"] == "care"]
    keys = [o.get("name") or o["kind"] for o in care["config"]["occasions"]]
    assert keys == [
        "birthday",
        "new_year",
        "spring_festival",
        "teachers_day",
        "mid_autumn",
        "national_day",
    ]

    # Schedule names are slugs; greetings go out daily at the config's `send_at`.
    schedules = c.get("/plugins/care/schedules").json()["items"]
    assert {s["name"]: s["every"] for s in schedules} == {
        "greetings": "daily 09:00",
        "callbacks": "daily 08:00",
    }
    assert c.put("/plugins/care", json={"config": {"send_at": "07:30"}}).status_code == 200
    schedules = c.get("/plugins/care/schedules").json()["items"]
    assert {s["name"]: s["every"] for s in schedules}["greetings"] == "daily 07:30"
    bad = c.put("/plugins/care", json={"config": {"send_at": "25:00"}})
    assert "config.send_at" in field_errors(bad)


def test_a_broadcast_to_an_empty_segment_is_200_with_zero_counts(tenant: Tenant):
    c = tenant.client
    assert c.put("/plugins/care", json={"config": {}}).status_code == 200
    body = {"label": "台风预警", "template": "{name}：台风将至。", "tag": "nobody"}
    response = c.post("/plugins/care/broadcasts", json=body)
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["customers"], found["batches"]) == (0, 0)
    assert set(found["counts"].values()) == {0}
    bad = {**body, "template": "{name} {balance}"}
    response = c.post("/plugins/care/broadcasts", json=bad)
    assert response.status_code == 422 and "template" in field_errors(response)


def test_the_report_refuses_a_bad_month(tenant: Tenant):
    c = tenant.client
    assert c.put("/plugins/care", json={"config": {}}).status_code == 200
    assert c.get("/plugins/care/reports/messages", params={"month": "2026-13"}).status_code == 422
    empty = c.get("/plugins/care/reports/messages", params={"month": "2026-09"}).json()
    assert empty["totals"]["total"] == 0 and empty["items"] == []


def test_the_tenant_setting_marketing_consent(tenant: Tenant):
    c = tenant.client
    assert c.get("/tenant").json()["marketing_consent"] == "opt_in"
    assert (
        c.patch("/tenant", json={"marketing_consent": "opt_out"}).json()["marketing_consent"]
        == "opt_out"
    )
    response = c.patch("/tenant", json={"marketing_consent": "sometimes"})
    assert response.status_code == 422


def test_messages_show_purpose_and_blocked_status(tenant: Tenant):
    c = tenant.client
    assert c.put("/plugins/care", json={"config": {}}).status_code == 200
    customer = c.post("/customers", json={"name": "无同意", "phone": "13800001234"}).json()
    body = {"label": "新品", "template": "{name}：新品上市", "customer_ids": [customer["id"]]}
    assert c.post("/plugins/care/broadcasts", json=body).status_code == 200

    # The notice goes out in a job after commit: wait for it.
    def blocked() -> list:
        return c.get(
            "/messages", params={"customer_id": customer["id"], "status": "blocked"}
        ).json()["items"]

    [message] = eventually(blocked)
    assert (message["purpose"], message["status"]) == ("marketing", "blocked")
    assert "marketing consent" in message["reason"]
    service = c.get("/messages", params={"customer_id": customer["id"], "purpose": "service"})
    assert service.json()["items"] == []


def test_a_broadcast_segment_by_another_plugins_customer_filter(tenant: Tenant):
    c = tenant.client
    assert c.put("/plugins/care", json={"config": {}}).status_code == 200
    body = {"label": "重点", "template": "{name}", "filter": "education.tier=key"}
    # Education is not enabled: its filter is no segment.
    response = c.post("/plugins/care/broadcasts", json=body)
    assert field_errors(response) == ["filter"]
    assert field_errors(c.post("/plugins/care/broadcasts", json={**body, "filter": "x"})) == [
        "filter"
    ]
    tenant.enable_plugin("education")
    response = c.post("/plugins/care/broadcasts", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["customers"] == 0
    unknown = c.post("/plugins/care/broadcasts", json={**body, "filter": "education.nope=1"})
    assert field_errors(unknown) == ["filter"]
