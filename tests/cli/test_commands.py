"""The `patron` command, run as an operator would run it (api.md §1)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from core.testing.postgres import free_port
from core.testing.server import REPO_ROOT, cli_command

KEY = re.compile(r"pat_[A-Za-z0-9_-]{40,}")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


def patron(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cli_command(*args),
        cwd=workdir,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    patron(tmp_path, "migrate")
    return tmp_path


def test_migrate_creates_the_embedded_database_and_is_repeatable(tmp_path: Path):
    assert "up to date" in patron(tmp_path, "migrate").stdout
    assert (tmp_path / ".patron" / "patron.sqlite").exists()
    assert "up to date" in patron(tmp_path, "migrate").stdout


def test_tenants_create_prints_one_json_object_with_the_owner_key(workdir: Path):
    out = patron(
        workdir,
        "tenants",
        "create",
        "--name",
        "星光学校",
        "--slug",
        "xingguang",
        "--plan",
        "pro",
        "--json",
    ).stdout
    created = json.loads(out)
    assert set(created) == {"tenant", "api_key"}
    assert created["tenant"]["slug"] == "xingguang"
    assert created["tenant"]["plan"] == "pro"
    assert KEY.fullmatch(created["api_key"])


def test_tenants_create_refuses_a_taken_slug_and_a_bad_plan(workdir: Path):
    patron(workdir, "tenants", "create", "--name", "A", "--slug", "taken")
    again = patron(workdir, "tenants", "create", "--name", "B", "--slug", "taken", check=False)
    assert again.returncode == 1 and "taken" in again.stderr
    bad = patron(
        workdir, "tenants", "create", "--name", "C", "--slug", "c", "--plan", "gold", check=False
    )
    assert bad.returncode == 1 and "plan" in bad.stderr


def test_tenants_list_suspend_and_resume(workdir: Path):
    patron(workdir, "tenants", "create", "--name", "Acme", "--slug", "acme")
    listed = json.loads(patron(workdir, "tenants", "list", "--json").stdout)
    assert [t["slug"] for t in listed] == ["acme"]
    assert "acme" in patron(workdir, "tenants", "list").stdout  # the table view
    suspended = json.loads(patron(workdir, "tenants", "suspend", "acme", "--json").stdout)
    assert suspended["status"] == "suspended"
    resumed = json.loads(patron(workdir, "tenants", "resume", "acme", "--json").stdout)
    assert resumed["status"] == "active"
    missing = patron(workdir, "tenants", "suspend", "nope", check=False)
    assert missing.returncode == 1


def test_users_create_prints_the_users_first_key(workdir: Path):
    patron(workdir, "tenants", "create", "--name", "Acme", "--slug", "acme")
    out = json.loads(
        patron(
            workdir,
            "users",
            "create",
            "acme",
            "--name",
            "Li Lei",
            "--email",
            "lilei@acme.example.com",
            "--role",
            "agent",
            "--json",
        ).stdout
    )
    assert out["user"]["role"] == "agent"
    assert KEY.fullmatch(out["api_key"])
    bad = patron(
        workdir,
        "users",
        "create",
        "acme",
        "--name",
        "X",
        "--email",
        "x@acme.example.com",
        "--role",
        "emperor",
        check=False,
    )
    assert bad.returncode == 1 and "role" in bad.stderr


def test_demo_reuses_its_tenant_and_prints_a_fresh_key(workdir: Path):
    first = json.loads(patron(workdir, "demo", "--json").stdout)
    second = json.loads(patron(workdir, "demo", "--json").stdout)
    assert first["tenant"]["id"] == second["tenant"]["id"]
    assert first["api_key"] != second["api_key"]


def test_the_readme_quickstart_serves_a_demo_tenant_from_an_empty_directory(tmp_path: Path):
    """`patron serve --demo` on the embedded default: migrate, demo data, key, working API."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            cli_command("serve", "--demo", "--port", str(port)),
            cwd=tmp_path,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base, key = f"http://127.0.0.1:{port}", None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            key_match = KEY.search(log.read_text())
            try:
                healthy = httpx.get(base + "/health", timeout=2).status_code == 200
            except httpx.TransportError:
                healthy = False
            if key_match and healthy:
                key = key_match.group(0)
                break
            assert process.poll() is None, log.read_text()
            time.sleep(0.3)
        assert key, log.read_text()
        assert f"curl -s {base}/api/v1/customers" in log.read_text()
        with httpx.Client(
            base_url=base + "/api/v1", headers={"Authorization": f"Bearer {key}"}
        ) as client:
            demo_customers = client.get("/customers").json()["items"]
            assert len(demo_customers) >= 4
            created = client.post("/customers", json={"name": "张伟", "phone": "13812345678"})
            assert created.status_code == 201
            names = [
                c["name"] for c in client.get("/customers", params={"q": "张伟"}).json()["items"]
            ]
            assert names == ["张伟"]
            assert client.get("/tasks").json()["items"]
            assert client.get("/payments").json()["items"]
            _only_built_in_plugins_are_listed(client)
            _the_demo_shows_education(client)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _the_demo_shows_education(client: httpx.Client) -> None:
    """The demo tenant has education enabled, with a key, an attention and a general
    student, each with the call their tier earns, and a funnel; the organisation is no
    student."""
    enabled = {p["name"] for p in client.get("/plugins").json()["items"] if p["enabled"]}
    assert "education" in enabled
    names = {}
    for tier in ("key", "attention", "general"):
        found = client.get("/customers", params={"education.tier": tier}).json()["items"]
        names[tier] = [c["name"] for c in found]
    assert names == {"key": ["王小明"], "attention": ["李娜"], "general": ["Chen Wei"]}
    school = client.get("/customers", params={"q": "星光中学"}).json()["items"][0]
    assert client.get(f"/customers/{school['id']}").json()["plugins"]["education"] == {
        "student": False,
        "referral_discount_percent": None,
    }
    deadline = time.monotonic() + 30
    calls: list[str] = []
    while time.monotonic() < deadline:
        items = client.get("/tasks", params={"source": "education", "status": "open"}).json()
        calls = sorted(t["title"] for t in items["items"] if t["kind"] == "call")
        if len(calls) == 3:
            break
        time.sleep(0.5)
    assert len(calls) == 3 and sum("every 15 days" in c for c in calls) == 1, calls
    funnel = client.get(
        "/plugins/education/funnel", params={"from": "2000-01-01", "to": "2100-12-31"}
    ).json()["overall"]
    assert (funnel["leads"], funnel["converted"], funnel["renewal_due"]) == (3, 3, 1)
    assert funnel["conversion_rate"] == 1.0


def _only_built_in_plugins_are_listed(client: httpx.Client) -> None:
    """The README's server loads the project's own plugins (its `patron.plugins` entry
    points), never the test-only ones the suite installs for itself (`gym`)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    built_in = set(project["entry-points"]["patron.plugins"])
    listed = {p["name"] for p in client.get("/plugins").json()["items"]}
    assert listed == built_in
