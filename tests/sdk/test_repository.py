"""`TenantRepository` behaves the same on SQLite and PostgreSQL: keyset pages over keys of
any orderable type, unique-key clashes as `sdk.UniqueViolation`, aggregates as one Python
type (tests/sdk/repository_scenario.py, in its own process per backend)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.scenario import run_scenario, scenario_database


@pytest.fixture(scope="module")
def outcome(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    url = scenario_database(backend, request, tmp_path_factory, "repository")
    return run_scenario("tests.sdk.repository_scenario", url, plugins="gym", fixture_plugins=True)


KEYS = {"date": "date", "text": "str", "int": "int", "datetime": "datetime", "uuid": "UUID"}


@pytest.mark.parametrize("key", sorted(KEYS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_cursors_page_over_any_orderable_key_with_the_id_breaking_ties(
    outcome: dict[str, Any], key: str, direction: str
):
    page = outcome["pages"][f"{key}/{direction}"]
    assert page == {"complete_and_in_order": True, "key_types": [KEYS[key]]}


def test_unique_key_clashes_raise_unique_violation_naming_the_key(outcome: dict[str, Any]):
    for clash in outcome["clashes"]:
        assert clash == {
            "attempt": clash["attempt"],
            "raised": "UniqueViolation",
            "conflict": True,
            "status": 409,
            "columns": ["tenant_id", "email"],
        }
    assert [c["attempt"] for c in outcome["clashes"]] == ["insert", "update", "insert_many"]
    # skip_existing leaves the clashing row out instead.
    assert outcome["emails_after_skip_existing"] == [
        "a@repo.example.com",
        "b@repo.example.com",
        "o@repo.example.com",
    ]


def test_aggregates_are_one_python_type_on_every_database(outcome: dict[str, Any]):
    aggregates = outcome["aggregates"]
    assert aggregates["everything"] == {
        "n": ["int", 7],
        "total": ["int", 2300],
        "low": ["int", 100],
        "first": ["datetime", "2026-03-01T08:00:00+00:00"],
        "last": ["datetime", "2026-03-01T10:00:00+00:00"],
        "mean": ["float", pytest.approx(2300 / 7)],
    }
    assert aggregates["nothing"] == {
        "n": ["int", 0],
        "total": ["int", 0],
        "last": ["NoneType", None],
    }
    assert aggregates["youngest"] == {"born": ["date", "2001-05-03"]}
    assert aggregates["by_amount"] == [
        [100, ["int", 2], ["datetime", "2026-03-01T08:00:00+00:00"]],
        [300, ["int", 2], ["datetime", "2026-03-01T09:00:00+00:00"]],
        [500, ["int", 3], ["datetime", "2026-03-01T10:00:00+00:00"]],
    ]


def test_require_customer_is_404_for_another_tenants_customer_and_a_deleted_one(
    outcome: dict[str, Any],
):
    gone = {"status": 404, "detail": "No such customer."}
    assert outcome["require_customer"] == {
        "live": {"name": "Live"},
        "other_tenant": gone,
        "deleted": gone,
    }


def test_rows_come_back_with_json_decoded_and_timestamps_aware(outcome: dict[str, Any]):
    """Every way the repository hands a row back, on both databases (JSON written as text,
    the timestamp naive)."""
    rows = outcome["rows"]
    shaped = {"attributes": ["dict", {"a": [1]}], "created_at": ["datetime", "UTC"]}
    for way in (
        "insert",
        "update",
        "get",
        "get_active",
        "get_for_update",
        "first_by",
        "first_by_any",
        "select",
        "select_first",
        "select_columns",
        "page",
    ):
        assert rows[way] == shaped, way
    assert rows["select_aliased"] == {"attributes": ["dict", {"a": [1]}]}
