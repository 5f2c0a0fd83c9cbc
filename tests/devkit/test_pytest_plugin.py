"""The pytest plugin for plugin authors: a server with chosen plugins, tenants with plugin
config, clients of a role, and a burst worker for the plugins' event hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _plugins(client) -> dict[str, dict]:
    return {p["name"]: p for p in client.get("/plugins").json()["items"]}


def test_the_server_loads_the_chosen_plugins_only(patron_tenant_factory):
    tenant = patron_tenant_factory()
    assert set(_plugins(tenant.client)) == {"stamps", "faulty"}


def test_tenant_factory_enables_plugins_with_their_config(patron_tenant_factory):
    configured = patron_tenant_factory(plugins={"stamps": {"per_visit": 3}})
    plugins = _plugins(configured.client)
    assert plugins["stamps"]["enabled"] is True
    assert plugins["stamps"]["config"] == {"per_visit": 3, "rewards": [], "reminder_time": "09:00"}
    assert plugins["faulty"]["enabled"] is False

    by_name = patron_tenant_factory(plugins=["stamps"], timezone="Europe/Berlin")
    assert _plugins(by_name.client)["stamps"]["config"] == {
        "per_visit": 1,
        "rewards": [],
        "reminder_time": "09:00",
    }
    assert by_name.client.get("/tenant").json()["timezone"] == "Europe/Berlin"
    assert by_name.id != configured.id


def test_tenant_factory_fails_loudly_on_a_bad_config(patron_tenant_factory):
    with pytest.raises(AssertionError, match="422"):
        patron_tenant_factory(plugins={"stamps": {"per_visit": 0}})


def test_client_holds_a_key_of_the_role_asked_for(patron_tenant_factory, patron_client):
    tenant = patron_tenant_factory()
    viewer = patron_client(tenant, role="viewer")
    agent = patron_client(tenant)
    admin = patron_client(tenant, role="admin")
    owner = patron_client(tenant, role="owner")
    assert viewer.get("/customers").status_code == 200
    assert viewer.post("/customers", json={"name": "Li Na"}).status_code == 403
    assert agent.post("/customers", json={"name": "Li Na"}).status_code == 201
    assert agent.put("/plugins/stamps", json={"config": {}}).status_code == 403
    assert admin.put("/plugins/stamps", json={"config": {}}).status_code == 200
    assert owner.headers["Authorization"] == f"Bearer {tenant.owner_key}"


def test_run_events_delivers_the_hooks_before_returning(patron_tenant_factory, patron_run_events):
    tenant = patron_tenant_factory(plugins={"stamps": {"per_visit": 2}})
    customer = tenant.client.post("/customers", json={"name": "Li Na"}).json()
    result = patron_run_events()
    assert not [e for e in result["failing"] if e["tenant_id"] == tenant.id]
    tasks = tenant.client.get("/tasks", params={"source": "stamps"}).json()["items"]
    assert sorted((t["title"], t["customer_id"]) for t in tasks) == [
        ("Give Li Na a card with 2 stamps", customer["id"]),
        ("Print stamp cards", None),
    ]


def test_run_events_fails_the_test_when_a_hook_raised(patron_tenant_factory, patron_run_events):
    tenant = patron_tenant_factory(plugins=["faulty"])
    with pytest.raises(AssertionError, match="faulty: RuntimeError: the faulty plugin broke"):
        patron_run_events()
    # Reported once; `check=False` returns the failures instead.
    result = patron_run_events(check=False)
    [failing] = [e for e in result["failing"] if e["tenant_id"] == tenant.id]
    assert failing["type"] == "plugin.enabled"


def test_a_plugin_that_did_not_load_stops_the_session_with_the_reason(tmp_path: Path):
    """In a project of its own, as a plugin author's: the fixtures come from the entry point."""
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n"
        '@pytest.fixture(scope="session")\n'
        "def patron_plugins():\n"
        '    return ["not_installed"]\n'
    )
    (tmp_path / "test_it.py").write_text("def test_it(patron_server):\n    pass\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout
    assert "patron_plugins names not_installed, which did not load" in result.stdout
