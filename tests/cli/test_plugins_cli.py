"""`patron plugins …` and `patron events drain`, run as an operator would (api.md §1, §5).

The sample plugins (`stamps`, `faulty`) are made discoverable through a dist-info folder
on PYTHONPATH; other installed plugins may be listed too, so tests look for theirs only.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core.testing.server import REPO_ROOT, cli_command
from tests.support.sample_plugins import install_sample_plugins


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_sample_plugins(tmp_path_factory.mktemp("sample-plugins"))


@pytest.fixture
def patron(plugin_path: Path, tmp_path: Path):
    """`patron(*args, check=True, stdin=None)` in a fresh working directory."""

    def run(*args: str, check: bool = True, stdin: str | None = None) -> Any:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
        env["PYTHONPATH"] = os.pathsep.join([str(plugin_path), str(REPO_ROOT)])
        result = subprocess.run(
            cli_command(*args),
            cwd=tmp_path,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


@pytest.fixture
def acme(patron) -> str:
    """A migrated database with the tenant `acme`; returns its slug."""
    patron("migrate")
    patron("tenants", "create", "--name", "Acme", "--slug", "acme")
    return "acme"


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def test_list_shows_every_installed_plugin_without_a_database(patron, tmp_path: Path):
    listed = _by_name(json.loads(patron("plugins", "list", "--json").stdout))
    assert listed["stamps"] == {
        "name": "stamps",
        "title": "Stamp card",
        "version": "0.1.0",
        "core_api": ">=2.0,<3",
        "description": "Stamps per visit, rewards for full cards.",
    }
    assert "faulty" in listed
    table = patron("plugins", "list").stdout
    assert "stamps" in table and "Stamp card" in table
    assert not (tmp_path / ".patron").exists()


def test_patron_plugins_limits_what_is_listed(patron, plugin_path: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(plugin_path), str(REPO_ROOT)]), PATRON_PLUGINS="stamps"
    )
    result = subprocess.run(
        cli_command("plugins", "list", "--json"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert [row["name"] for row in json.loads(result.stdout)] == ["stamps"]


def test_config_schema_prints_the_json_schema(patron):
    schema = json.loads(patron("plugins", "config-schema", "stamps").stdout)
    config = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    assert set(config["properties"]) == {"per_visit", "rewards", "reminder_time"}
    assert config["properties"]["per_visit"]["default"] == 1
    unknown = patron("plugins", "config-schema", "nope", check=False)
    assert unknown.returncode == 1 and "nope" in unknown.stderr


def test_enable_with_a_toml_config_then_list_the_tenant(patron, acme: str, tmp_path: Path):
    (tmp_path / "stamps.toml").write_text(
        'per_visit = 2\n\n[[rewards]]\nname = "Free coffee"\nstamps = 10\n'
    )
    enabled = json.loads(
        patron("plugins", "enable", acme, "stamps", "--config", "stamps.toml", "--json").stdout
    )
    assert enabled["enabled"] is True
    assert enabled["config"] == {
        "per_visit": 2,
        "rewards": [{"name": "Free coffee", "stamps": 10}],
        "reminder_time": "09:00",
    }
    listed = _by_name(json.loads(patron("plugins", "list", acme, "--json").stdout))
    assert listed["stamps"]["enabled"] is True
    assert listed["stamps"]["config"]["per_visit"] == 2
    assert listed["stamps"]["core_api"] == ">=2.0,<3"
    assert "properties" in json.dumps(listed["stamps"]["config_schema"])
    assert listed["faulty"]["enabled"] is False
    table = patron("plugins", "list", acme).stdout
    assert "stamps" in table and "yes" in table


def test_enable_without_a_config_takes_the_defaults_and_json_config_reconfigures(
    patron, acme: str, tmp_path: Path
):
    enabled = json.loads(patron("plugins", "enable", acme, "stamps", "--json").stdout)
    assert enabled["config"] == {"per_visit": 1, "rewards": [], "reminder_time": "09:00"}
    (tmp_path / "stamps.json").write_text(json.dumps({"per_visit": 3}))
    patron("plugins", "enable", acme, "stamps", "--config", "stamps.json")
    listed = _by_name(json.loads(patron("plugins", "list", acme, "--json").stdout))
    assert listed["stamps"]["config"] == {"per_visit": 3, "rewards": [], "reminder_time": "09:00"}


def test_a_bad_config_names_each_field_and_exits_1(patron, acme: str, tmp_path: Path):
    (tmp_path / "bad.json").write_text(json.dumps({"rewards": [{"name": "Tea", "stamps": 0}]}))
    bad = patron("plugins", "enable", acme, "stamps", "--config", "bad.json", check=False)
    assert bad.returncode == 1
    assert "config.rewards[0].stamps" in bad.stderr
    as_json = patron(
        "plugins", "enable", acme, "stamps", "--config", "bad.json", "--json", check=False
    )
    assert as_json.returncode == 1
    problem = json.loads(as_json.stdout)
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == ["config.rewards[0].stamps"]

    (tmp_path / "unknown.toml").write_text("colour = 'red'\n")
    unknown = patron("plugins", "enable", acme, "stamps", "--config", "unknown.toml", check=False)
    assert unknown.returncode == 1 and "colour" in unknown.stderr
    (tmp_path / "broken.json").write_text("{per_visit: 2")
    broken = patron("plugins", "enable", acme, "stamps", "--config", "broken.json", check=False)
    assert broken.returncode == 1 and "not valid JSON" in broken.stderr
    listed = _by_name(json.loads(patron("plugins", "list", acme, "--json").stdout))
    assert listed["stamps"]["enabled"] is False


def test_the_config_can_come_from_stdin(patron, acme: str):
    patron("plugins", "enable", acme, "stamps", "--config", "-", stdin='{"per_visit": 4}')
    listed = _by_name(json.loads(patron("plugins", "list", acme, "--json").stdout))
    assert listed["stamps"]["config"]["per_visit"] == 4


def test_disable_keeps_the_config_for_when_it_comes_back(patron, acme: str, tmp_path: Path):
    (tmp_path / "stamps.json").write_text(json.dumps({"per_visit": 5}))
    patron("plugins", "enable", acme, "stamps", "--config", "stamps.json")
    disabled = json.loads(patron("plugins", "disable", acme, "stamps", "--json").stdout)
    assert disabled["enabled"] is False and disabled["config"]["per_visit"] == 5
    assert "kept" in patron("plugins", "disable", acme, "stamps").stdout  # again: no change
    again = json.loads(patron("plugins", "enable", acme, "stamps", "--json").stdout)
    assert again["enabled"] is True


def test_every_change_is_recorded_with_who_when_old_and_new(patron, acme: str, tmp_path: Path):
    patron("plugins", "enable", acme, "stamps")
    (tmp_path / "stamps.json").write_text(json.dumps({"per_visit": 2}))
    patron("plugins", "enable", acme, "stamps", "--config", "stamps.json")
    patron("plugins", "enable", acme, "stamps", "--config", "stamps.json")  # no change
    patron("plugins", "disable", acme, "stamps")
    changes = json.loads(patron("plugins", "changes", acme, "stamps", "--json").stdout)
    one = {"per_visit": 1, "rewards": [], "reminder_time": "09:00"}
    two = {**one, "per_visit": 2}
    assert [(c["action"], c["old_config"], c["new_config"]) for c in changes] == [
        ("enabled", None, one),
        ("reconfigured", one, two),
        ("disabled", two, None),
    ]
    assert len({c["changed_by"] for c in changes}) == 1 and changes[0]["changed_by"]
    assert all(c["changed_at"] for c in changes)
    assert "reconfigured" in patron("plugins", "changes", acme, "stamps").stdout


def test_unknown_tenant_or_plugin_exits_1(patron, acme: str):
    no_tenant = patron("plugins", "enable", "nobody", "stamps", check=False)
    assert no_tenant.returncode == 1 and "nobody" in no_tenant.stderr
    no_plugin = patron("plugins", "enable", acme, "nothing", check=False)
    assert no_plugin.returncode == 1 and "nothing" in no_plugin.stderr
    assert patron("plugins", "list", "nobody", check=False).returncode == 1
    assert patron("plugins", "disable", acme, "nothing", check=False).returncode == 1
    no_such = patron("events", "drain", "--tenant", "nobody", check=False)
    assert no_such.returncode == 1 and "nobody" in no_such.stderr


def test_events_drain_runs_the_hooks_once_and_reports_failures(patron, acme: str):
    patron("plugins", "enable", acme, "stamps")
    first = json.loads(patron("events", "drain", "--json").stdout)
    # plugin.enabled, then the task.created of the task its hook made
    assert first == {"relayed": 2, "failing": []}
    assert json.loads(patron("events", "drain", "--json").stdout) == {"relayed": 0, "failing": []}

    patron("plugins", "enable", acme, "faulty")
    drained = json.loads(patron("events", "drain", "--tenant", acme, "--json").stdout)
    assert drained["relayed"] == 1
    [failing] = drained["failing"]
    assert failing["type"] == "plugin.enabled" and failing["status"] == "pending"
    assert "broke on purpose" in failing["errors"]["faulty"]
    assert "broke on purpose" in patron("events", "drain").stdout


def test_events_schema_describes_every_webhook_body_plugin_events_included(patron):
    schema = json.loads(patron("events", "schema").stdout)
    branches = {b["properties"]["type"]["const"]: b for b in schema["oneOf"]}
    # the core's events and the installed plugins' own (points is built in)
    assert {"customer.created", "payment.recorded", "interaction.logged"} <= set(branches)
    assert "points.earned" in branches and "interaction.loged" not in branches
    body = branches["payment.recorded"]
    assert body["required"] == ["type", "timestamp", "data"]
    payment = schema["$defs"][body["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
    assert payment["required"] == ["payment"]
