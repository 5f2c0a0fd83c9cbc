"""The tenant's local calendar: schedules, birthdays and holidays follow it, not UTC."""

from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo

from core import sdk


def local_now(timezone: str, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or sdk.utcnow()).astimezone(ZoneInfo(timezone))


def local_today(timezone: str, now: datetime.datetime | None = None) -> datetime.date:
    return local_now(timezone, now).date()


def local_time(day: datetime.date, at: datetime.time, timezone: str) -> datetime.datetime:
    """`at` o'clock on `day` in the tenant's zone, as an aware datetime."""
    return datetime.datetime.combine(day, at, tzinfo=ZoneInfo(timezone))


def birthday_on(birthday: datetime.date, day: datetime.date) -> bool:
    """Whether `day` is the birthday; 29 February is kept on 28 February in other years."""
    if (birthday.month, birthday.day) == (day.month, day.day):
        return True
    leap_day = (birthday.month, birthday.day) == (2, 29)
    return leap_day and (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)
