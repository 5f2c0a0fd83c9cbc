"""Schedule slots are computed in the tenant's own time zone."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.jobs.slots import latest_slot, next_slot

UTC = datetime.UTC


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_daily_10_00_is_local_ten_in_each_zone() -> None:
    now = utc(2026, 11, 23, 12, 0)
    # 10:00 in Shanghai (UTC+8) is 02:00 UTC; in Berlin (UTC+1 in November) 09:00 UTC.
    assert latest_slot("daily 10:00", now, "Asia/Shanghai") == utc(2026, 11, 23, 2, 0)
    assert latest_slot("daily 10:00", now, "Europe/Berlin") == utc(2026, 11, 23, 9, 0)
    # At 08:59 UTC Berlin's 10:00 has not come yet: yesterday's slot is the latest.
    assert latest_slot("daily 10:00", utc(2026, 11, 23, 8, 59), "Europe/Berlin") == utc(
        2026, 11, 22, 9, 0
    )


def test_weekly_and_monthly_slots() -> None:
    monday_morning = utc(2026, 11, 23, 0, 30)  # Monday 08:30 in Shanghai
    assert latest_slot("weekly mon 09:00", monday_morning, "Asia/Shanghai") == utc(
        2026, 11, 16, 1, 0
    )
    assert latest_slot("monthly 31 08:00", utc(2026, 11, 30, 12), "UTC") == utc(2026, 11, 30, 8)
    assert latest_slot("monthly 1 08:00", utc(2026, 1, 1, 7), "UTC") == utc(2025, 12, 1, 8)


def test_every_six_months_falls_on_january_and_july() -> None:
    assert latest_slot("every 6 months", utc(2026, 11, 23), "UTC") == utc(2026, 7, 1)
    assert latest_slot("every 6 months", utc(2026, 3, 1), "Asia/Shanghai") == utc(2025, 12, 31, 16)


@pytest.mark.parametrize(
    "every",
    [
        "daily 10:00",
        "weekly fri 18:30",
        "monthly 15 09:00",
        "every 6 months",
        "every 3 days",
        "every 4 hours",
    ],
)
@given(
    now=st.datetimes(
        min_value=datetime.datetime(2000, 1, 1),
        max_value=datetime.datetime(2090, 1, 1),
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]),
)
def test_the_latest_slot_is_due_and_stable_until_the_next(every, now, zone) -> None:
    _latest_slot_properties(every, now, zone)
    _next_slot_properties(every, now, zone)


def _next_slot_properties(every: str, now: datetime.datetime, zone: str) -> None:
    """The next slot is the first one after `now`: the latest slot there, and nothing in
    between is a slot."""
    upcoming = next_slot(every, now, zone)
    assert upcoming > now
    assert latest_slot(every, upcoming, zone) == upcoming
    assert latest_slot(every, upcoming - datetime.timedelta(microseconds=1), zone) <= now


def test_next_slot_is_in_the_tenant_zone() -> None:
    upcoming = next_slot("daily 10:00", utc(2026, 11, 23, 12, 0), "Asia/Shanghai")
    assert upcoming.isoformat() == "2026-11-24T10:00:00+08:00"
    # At the slot itself, the next is tomorrow's.
    at_slot = next_slot("daily 10:00", utc(2026, 11, 24, 2, 0), "Asia/Shanghai")
    assert at_slot.isoformat() == "2026-11-25T10:00:00+08:00"
    assert next_slot("monthly 31 08:00", utc(2027, 2, 1), "UTC") == utc(2027, 2, 28, 8, 0)
    assert next_slot("weekly mon 09:00", utc(2026, 11, 23, 9, 0), "UTC") == utc(2026, 11, 30, 9)


def _latest_slot_properties(every: str, now: datetime.datetime, zone: str) -> None:
    slot = latest_slot(every, now, zone)
    assert slot <= now
    # The same slot stays the latest a moment later, and is its own latest slot.
    assert latest_slot(every, slot, zone) == slot
    assert latest_slot(every, now + datetime.timedelta(seconds=1), zone) >= slot
