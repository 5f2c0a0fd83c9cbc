"""The daily re-evaluation at injected moments (tests/membership/schedule_scenario.py, in its
own process): purchases leaving the window lower a level at local midnight, the downgrade
grace and never-downgrade floors hold, level changes are events and timeline entries, and a
referral delivered twice is rewarded once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.scenario import run_scenario


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('membership') / 'db.sqlite'}"
    return run_scenario("tests.membership.schedule_scenario", url, plugins="membership")


def levels(outcome: dict[str, Any], moment: str) -> dict[str, str]:
    return {slug: state["level"] for slug, state in outcome[moment].items()}


def test_purchases_count_for_the_window_then_leave_it_at_local_midnight(
    outcome: dict[str, Any],
) -> None:
    assert levels(outcome, "before") == {"plain": "base", "grace": "base", "floor": "base"}
    assert levels(outcome, "after") == {"plain": "silver", "grace": "silver", "floor": "silver"}
    # 23:59:59 on 9 January 2027 in Shanghai: the purchases of 10 January 2026 still count.
    assert levels(outcome, "last_second")["plain"] == "silver"
    # 00:00 on 10 January 2027 in Shanghai (still 9 January in UTC): they have left.
    assert levels(outcome, "left")["plain"] == "base"


def test_the_grace_keeps_the_level_thirty_days_then_lowers_it(outcome: dict[str, Any]) -> None:
    since = "2027-01-09T16:00:00+00:00"
    assert outcome["left"]["grace"] == {"level": "silver", "below_since": since}
    assert outcome["grace_last_second"]["grace"] == {"level": "silver", "below_since": since}
    assert outcome["grace_over"]["grace"] == {"level": "base", "below_since": None}


def test_a_never_downgrade_level_stays(outcome: dict[str, Any]) -> None:
    assert levels(outcome, "grace_over")["floor"] == "silver"


def test_each_change_is_one_event_and_one_timeline_entry_however_often_the_job_runs(
    outcome: dict[str, Any],
) -> None:
    # A first level (base) is no event; the job ran twice at every moment.
    assert outcome["events plain"] == [["base", "silver"], ["silver", "base"]]
    assert outcome["events grace"] == [["base", "silver"], ["silver", "base"]]
    assert outcome["events floor"] == [["base", "silver"]]
    assert (outcome["timeline plain"], outcome["timeline floor"]) == (2, 1)


def test_a_referral_delivered_twice_is_rewarded_once(outcome: dict[str, Any]) -> None:
    referral = outcome["referral"]
    assert referral["events"] == [
        {
            "referrer_id": referral["referrer"],
            "referred_id": referral["referred"],
            "level": "base",
            "points": 10,
        }
    ]
    assert referral["tasks"] == ["referral_gift"]


def test_reading_a_member_not_evaluated_yet_writes_nothing(outcome: dict[str, Any]) -> None:
    """The section (`GET /customers/{id}`, the hot read path) and `GET member` of a customer
    whose events are still on the way compute the level from the facts, read-only."""
    reads = outcome["read_only"]
    assert reads["rows_after"] == reads["rows_before"]
    assert reads["section"]["level"] == reads["section"]["computed_level"] == "silver"
    assert reads["section"]["window"] == {"spend": 1200, "purchases": 2, "referrals": 0}
    assert reads["member"]["level"] == "silver"
    assert reads["member"]["benefits"] == {"discount_percent": 5}
    assert reads["member"]["evaluated_at"] is None
