"""The consent gate and the care plugin (tests/care/scenario.py, in its own process):
who gets which message, on which local day, once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.backends import BACKENDS
from tests.support.scenario import run_scenario, scenario_database

WITHDRAWN = "marketing consent withdrawn"
NO_CONSENT = "no active marketing consent (tenant setting marketing_consent: opt_in)"


@pytest.fixture(scope="module", params=BACKENDS, ids=BACKENDS)
def outcome(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    url = scenario_database(request.param, request, tmp_path_factory, "care")
    return run_scenario("tests.care.scenario", url, plugins="care,education")


# -- the consent gate (api.md §4) ------------------------------------------------------------
def test_opt_in_marketing_needs_an_active_consent(outcome: dict[str, Any]):
    optin = outcome["consent"]["optin"]
    assert optin["optin:none:marketing"] == ["blocked", NO_CONSENT]
    assert optin["optin:granted:marketing"] == ["sent", None]
    # Service messages need no consent, only no withdrawal.
    assert optin["optin:none:service"] == ["sent", None]


def test_a_withdrawn_consent_blocks_and_cancels_the_queued_message(outcome: dict[str, Any]):
    for slug in ("optin", "optout"):
        found = outcome["consent"][slug]
        # Queued while consent was active, withdrawn before the send: never sent.
        assert found[f"{slug}:withdrawn_later:marketing"] == ["blocked", WITHDRAWN]
        assert found[f"{slug}:withdrawn_later:service"] == ["sent", None]
        assert found[f"{slug}:withdrawn_before:marketing"] == ["blocked", WITHDRAWN]
        assert found[f"{slug}:withdrawn_before:service"] == [
            "blocked",
            "service consent withdrawn",
        ]


def test_withdrawing_blocks_the_queued_message_at_once(outcome: dict[str, Any]):
    for slug in ("optin", "optout"):
        assert outcome["consent"][f"{slug} at once"] == {
            f"{slug}:withdrawn_later:marketing": "blocked",
            f"{slug}:withdrawn_later:service": "queued",
        }


def test_opt_out_sends_marketing_unless_withdrawn(outcome: dict[str, Any]):
    optout = outcome["consent"]["optout"]
    assert optout["optout:none:marketing"] == ["sent", None]
    assert optout["optout:granted:marketing"] == ["sent", None]


def test_the_gateway_received_exactly_the_allowed_messages(outcome: dict[str, Any]):
    assert outcome["consent"]["gateway"] == [
        "optin:granted:marketing",
        "optin:granted:service",
        "optin:none:service",
        "optin:withdrawn_later:service",
        "optout:granted:marketing",
        "optout:granted:service",
        "optout:none:marketing",
        "optout:none:service",
        "optout:withdrawn_later:service",
    ]


# -- greetings ------------------------------------------------------------------------------


def test_greetings_follow_the_tenants_own_day_at_utc_plus_14_and_minus_11(
    outcome: dict[str, Any],
):
    care = outcome["care"]
    # 2026-09-09T20:00Z: 10 September in Kiritimati, still 9 September in Pago Pago.
    first = care["teachers_kiritimati"]
    assert first["kiritimati"]["queued"] == ["甲，祝您教师节快乐！"]
    assert first["kiritimati"]["blocked"] == ["丙，祝您教师节快乐！"]  # no marketing consent
    assert first["pago"] == {"queued": [], "blocked": [], "tasks": []}
    # A day later: Pago Pago's 10 September; Kiritimati (11th) gets nothing more.
    second = care["teachers_pago"]
    assert second["pago"] == first["kiritimati"]
    assert second["kiritimati"] == first["kiritimati"]


def test_running_the_schedule_twice_sends_once(outcome: dict[str, Any]):
    # Every moment ran the schedule twice: one text per customer and occasion.
    final = outcome["care"]["leap_2028_29"]["kiritimati"]
    assert final["queued"].count("甲，祝您教师节快乐！") == 1
    assert final["blocked"].count("丙，祝您春节快乐！") == 1


def test_once_per_customer_occasion_and_year_whichever_day_asks(outcome: dict[str, Any]):
    assert outcome["care"]["once_a_year"] == ["duplicate", "queued"]


def test_qingming_is_never_greeted(outcome: dict[str, Any]):
    care = outcome["care"]
    assert care["qingming"] == care["teachers_pago"]


def test_the_spring_festival_is_one_text_on_its_day(outcome: dict[str, Any]):
    care = outcome["care"]
    assert care["chuxi"] == care["teachers_pago"]  # New Year's Eve: nothing
    spring = care["spring_festival"]["kiritimati"]
    assert [m for m in spring["queued"] if "春节" in m] == ["甲，祝您春节快乐！"]


def test_a_29_february_birthday_is_kept_on_28_february_in_common_years(
    outcome: dict[str, Any],
):
    care = outcome["care"]
    assert "甲，祝您生日快乐！" in care["leap_2027"]["kiritimati"]["queued"]
    # 2028 is a leap year: not on the 28th, on the 29th (once a year each).
    assert care["leap_2028_28"]["kiritimati"] == care["leap_2027"]["kiritimati"]
    assert care["leap_2028_29"]["kiritimati"]["queued"].count("甲，祝您生日快乐！") == 2


def test_the_report_counts_by_occasion_channel_and_status(outcome: dict[str, Any]):
    report = outcome["care"]["report"]
    assert report["month"] == "2026-09"
    # 乙 has no phone: her birthday and Teachers' Day texts are skipped, and counted.
    assert report["by_occasion"]["teachers_day"] == {
        "total": 3,
        "queued": 1,
        "sent": 0,
        "failed": 0,
        "blocked": 1,
        "skipped_no_address": 1,
    }
    assert report["by_occasion"]["birthday"]["skipped_no_address"] == 1
    assert report["by_channel"]["http"]["total"] == 4
    assert {"occasion": "teachers_day", "channel": "http", "status": "blocked", "count": 1} in (
        report["items"]
    )


# -- notices and callbacks ------------------------------------------------------------------
def test_renewal_notices_go_once_before_the_date_as_service_messages(outcome: dict[str, Any]):
    renewal = outcome["care"]["renewal"]
    assert sorted(m["body"] for m in renewal) == [
        "丙，您的宽带套餐将于2028-04-10到期，请及时续费。",
        "甲，您的宽带套餐将于2028-04-10到期，请及时续费。",
    ]
    assert {(m["status"], m["purpose"]) for m in renewal} == {("queued", "service")}
    assert outcome["care"]["report_2028_03"]["by_occasion"]["renewal"]["queued"] == 2


def test_a_broadcast_reaches_its_segment_through_the_gate(outcome: dict[str, Any]):
    broadcast = outcome["care"]["broadcast"]
    assert (broadcast["customers"], broadcast["batches"]) == (2, 1)
    assert broadcast["counts"]["queued"] == 1
    assert broadcast["counts"]["skipped_no_address"] == 1  # 乙: no phone
    empty = outcome["care"]["empty_broadcast"]
    assert (empty["customers"], empty["batches"], empty["counts"]["total"]) == (0, 0, 0)


def test_callbacks_once_per_period_for_the_segment(outcome: dict[str, Any]):
    assert outcome["care"]["callbacks_once"] == ["回访: 乙", "回访: 甲"]
    assert outcome["care"]["callbacks_next"] == ["回访: 乙", "回访: 乙", "回访: 甲", "回访: 甲"]


# -- renewal notices from the education plugin's events ---------------------------------------
def test_an_enrolments_end_is_remembered_from_educations_event(outcome: dict[str, Any]):
    enrolment = outcome["enrolment"]
    assert enrolment["remembered"] == [
        ["Python 入门", "2027-01-31", "2027-01-01"],
        ["错课", "2027-01-31", "2027-01-01"],
    ]
    # education.enrollment_deleted: the mistaken enrolment is forgotten (delivered twice).
    assert enrolment["after_delete"] == [["Python 入门", "2027-01-31", "2027-01-01"]]


def test_the_renewal_notice_goes_once_on_its_day_at_send_at(outcome: dict[str, Any]):
    enrolment = outcome["enrolment"]
    assert enrolment["day_before"] == []
    notice = ["丁，您的Python 入门将于2027-01-31到期，请及时续费。", "service", "queued"]
    assert enrolment["due_day"] == [notice]
    assert enrolment["due_day_again"] == [notice]


# -- segments by another plugin's customer filter ---------------------------------------------
def test_a_segment_is_a_plugins_customer_filter(outcome: dict[str, Any]):
    enrolment = outcome["enrolment"]
    assert enrolment["segment_key"] == ["丁"]
    assert enrolment["segment_general"] == ["戊"]
    assert enrolment["segment_refused"] == [
        ["education.nope=x", "filter"],
        ["gym.plan=annual", "filter"],  # gym is not enabled (nor loaded) here
    ]
    # The callback rule with the gym filter is skipped; the education one calls 丁 only.
    assert enrolment["callbacks_by_filter"] == ["回访: 丁"]
