"""Birthdays and holidays follow each tenant's own calendar, and are served once however
often the daily job runs (tests/education/care_scenario.py, in its own process)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.scenario import run_scenario


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('care') / 'db.sqlite'}"
    return run_scenario("tests.education.care_scenario", url, plugins="education")


def _kinds(state: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["kind"], t["title"].split(": ", 1)[1]) for t in state["tasks"]]


def test_the_birthday_check_runs_on_the_tenants_own_day(outcome: dict[str, Any]):
    # 00:00Z on 15 March: 08:00 on the 15th in Shanghai, 17:00 on the 14th in Los Angeles.
    shanghai, la = outcome["birthday"]["shanghai"], outcome["birthday"]["la"]
    assert _kinds(shanghai) == [("birthday_gift", "重点甲"), ("birthday_check", "重点甲")]
    assert (la["tasks"], la["messages"]) == ([], [])
    # 15:00Z: 08:00 on the 15th in Los Angeles; Shanghai (its 15th again) gets nothing new.
    assert _kinds(outcome["la_birthday"]["la"]) == _kinds(shanghai)
    assert outcome["la_birthday"]["shanghai"] == shanghai


def test_the_check_lists_key_students_only_for_the_message_administrator(
    outcome: dict[str, Any],
):
    [check] = [t for t in outcome["birthday"]["shanghai"]["tasks"] if t["kind"] == "birthday_check"]
    assert check["title"] == "Birthdays today (1): 重点甲"  # 普通乙 is general: no gift
    assert check["assignee"] == outcome["birthday"]["owner"]  # the configured admin


def test_the_check_runs_at_08_00_and_is_due_by_10_00_tenant_time(outcome: dict[str, Any]):
    """Seed 003: the message administrator checks birthdays *before* 10:00. The job ran at
    08:00 local (00:00Z in Shanghai, 15:00Z in Los Angeles); the task is due at 10:00."""
    [shanghai] = [
        t for t in outcome["birthday"]["shanghai"]["tasks"] if t["kind"] == "birthday_check"
    ]
    assert shanghai["due_at"] == "2026-03-15T02:00:00+00:00"
    [la] = [t for t in outcome["la_birthday"]["la"]["tasks"] if t["kind"] == "birthday_check"]
    assert la["due_at"] == "2026-03-15T17:00:00+00:00"


def test_key_students_get_one_greeting_however_often_the_job_runs(outcome: dict[str, Any]):
    assert outcome["birthday"]["shanghai"]["messages"] == ["重点甲，祝您生日快乐！"]


def test_a_29_february_birthday_is_kept_on_28_february(outcome: dict[str, Any]):
    later = outcome["leap_birthday"]["shanghai"]
    assert _kinds(later)[-2:] == [("birthday_gift", "闰日丙"), ("birthday_check", "闰日丙")]
    assert "闰日丙，祝您生日快乐！" in later["messages"]


def test_holiday_greetings_go_to_every_student_on_the_first_day(outcome: dict[str, Any]):
    national = outcome["national_day"]
    greetings = [m for m in national["shanghai"]["messages"] if "国庆节" in m]
    assert greetings == [
        "普通乙，祝您国庆节快乐！",
        "重点甲，祝您国庆节快乐！",
        "闰日丙，祝您国庆节快乐！",
    ]
    # 00:00Z on 1 October is still 30 September in Los Angeles.
    assert [m for m in national["la"]["messages"] if "国庆节" in m] == []


def test_greetings_go_through_the_consent_gate(outcome: dict[str, Any]):
    # 撤回丁 withdrew their marketing consent: recorded as blocked, with the reason.
    blocked = outcome["national_day"]["shanghai"]["blocked"]
    assert ["撤回丁，祝您国庆节快乐！", "marketing", "marketing consent withdrawn"] in blocked
    assert all(name.startswith("撤回丁") for name, _, _ in blocked)


def test_qingming_is_never_greeted_and_teachers_day_is(outcome: dict[str, Any]):
    before = outcome["la_birthday"]["shanghai"]["messages"]
    assert outcome["qingming"]["shanghai"]["messages"] == before
    teachers = [m for m in outcome["teachers_day"]["shanghai"]["messages"] if "教师节" in m]
    assert teachers == [
        "普通乙，祝您教师节快乐！",
        "重点甲，祝您教师节快乐！",
        "闰日丙，祝您教师节快乐！",
    ]


def test_the_spring_festival_is_one_text_not_two(outcome: dict[str, Any]):
    # 5 February 2027 is New Year's Eve (除夕, a statutory holiday): no text; 6 February
    # (春节) one per student.
    before = outcome["national_day"]["shanghai"]["messages"]
    assert outcome["chuxi"]["shanghai"]["messages"] == before
    spring = [m for m in outcome["spring_festival"]["shanghai"]["messages"] if "春节" in m]
    assert len(spring) == 3 and all(m.endswith("祝您春节快乐！") for m in spring)


def test_the_monthly_report_counts_greetings_by_occasion(outcome: dict[str, Any]):
    march, october = outcome["report 2026-03"], outcome["report 2026-10"]
    assert (march["total"], march["queued"], march["sent"]) == (1, 1, 0)
    assert march["by_occasion"] == {
        "birthday": {"total": 1, "sent": 0, "queued": 1, "failed": 0, "blocked": 0}
    }
    assert (october["total"], october["queued"], october["blocked"]) == (4, 3, 1)
    assert list(october["by_occasion"]) == ["国庆节"]


def test_the_periodic_reevaluation_runs_once_per_period_and_sees_every_fact(
    outcome: dict[str, Any],
):
    # A senior's payment of 8000.00 whose event was never delivered: still general until
    # the periodic re-evaluation, which makes them key; its second tick does nothing.
    assert outcome["periodic"] == {"before": "general", "after": "key", "runs": 1}
