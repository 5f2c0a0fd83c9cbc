"""Schedule slots in a tenant's local time.

A plugin's schedule ("daily 10:00", "weekly mon 09:00", "monthly 1 08:00",
"every 6 months", "every 2 days", "every 4 hours") names a series of local moments; the
scheduler runs the latest one that is due, once per tenant. Slots missed while nothing
was running are therefore run once, not once each. `next_slot` is the first one to come
(what `GET /plugins/{name}/schedules` shows).
"""

from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCAL_EPOCH = datetime.date(1970, 1, 1)


def _at(day: datetime.date, hhmm: str, tz: ZoneInfo) -> datetime.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _month_day(year: int, month: int, day: int) -> datetime.date:
    """The day-th of the month, or its last day when the month is shorter."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def latest_slot(every: str, now: datetime.datetime, timezone: str) -> datetime.datetime:
    """The latest slot at or before `now` (aware), as an aware UTC datetime."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    parts = every.split()
    if parts[0] == "daily":
        slot = _at(local.date(), parts[1], tz)
        if slot > local:
            slot = _at(local.date() - datetime.timedelta(days=1), parts[1], tz)
    elif parts[0] == "weekly":
        back = (local.weekday() - WEEKDAYS.index(parts[1])) % 7
        slot = _at(local.date() - datetime.timedelta(days=back), parts[2], tz)
        if slot > local:
            slot = _at(slot.date() - datetime.timedelta(days=7), parts[2], tz)
    elif parts[0] == "monthly":
        day = int(parts[1])
        slot = _at(_month_day(local.year, local.month, day), parts[2], tz)
        if slot > local:
            year, month = _previous_month(local.year, local.month)
            slot = _at(_month_day(year, month, day), parts[2], tz)
    else:  # every N hours|days|months, counted from the local epoch
        count, unit = int(parts[1]), parts[2]
        if unit == "hours":
            hours = (local.date() - LOCAL_EPOCH).days * 24 + local.hour
            start = hours - hours % count
            day = LOCAL_EPOCH + datetime.timedelta(days=start // 24)
            slot = datetime.datetime(day.year, day.month, day.day, start % 24, tzinfo=tz)
        elif unit == "days":
            days = (local.date() - LOCAL_EPOCH).days
            day = LOCAL_EPOCH + datetime.timedelta(days=days - days % count)
            slot = datetime.datetime(day.year, day.month, day.day, tzinfo=tz)
        else:
            months = (local.year - 1970) * 12 + local.month - 1
            start = months - months % count
            slot = datetime.datetime(1970 + start // 12, start % 12 + 1, 1, tzinfo=tz)
    return slot.astimezone(datetime.UTC)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def next_slot(every: str, now: datetime.datetime, timezone: str) -> datetime.datetime:
    """The first slot strictly after `now` (aware), as an aware datetime in `timezone`."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    parts = every.split()
    if parts[0] == "daily":
        slot = _at(local.date(), parts[1], tz)
        if slot <= local:
            slot = _at(local.date() + datetime.timedelta(days=1), parts[1], tz)
    elif parts[0] == "weekly":
        ahead = (WEEKDAYS.index(parts[1]) - local.weekday()) % 7
        slot = _at(local.date() + datetime.timedelta(days=ahead), parts[2], tz)
        if slot <= local:
            slot = _at(slot.date() + datetime.timedelta(days=7), parts[2], tz)
    elif parts[0] == "monthly":
        day = int(parts[1])
        slot = _at(_month_day(local.year, local.month, day), parts[2], tz)
        if slot <= local:
            year, month = _next_month(local.year, local.month)
            slot = _at(_month_day(year, month, day), parts[2], tz)
    else:
        count, unit = int(parts[1]), parts[2]
        if unit == "hours":
            hours = (local.date() - LOCAL_EPOCH).days * 24 + local.hour
            start = hours - hours % count + count
            day = LOCAL_EPOCH + datetime.timedelta(days=start // 24)
            slot = datetime.datetime(day.year, day.month, day.day, start % 24, tzinfo=tz)
        elif unit == "days":
            days = (local.date() - LOCAL_EPOCH).days
            day = LOCAL_EPOCH + datetime.timedelta(days=days - days % count + count)
            slot = datetime.datetime(day.year, day.month, day.day, tzinfo=tz)
        else:
            months = (local.year - 1970) * 12 + local.month - 1
            start = months - months % count + count
            slot = datetime.datetime(1970 + start // 12, start % 12 + 1, 1, tzinfo=tz)
    # A wall-clock time skipped by a DST change names a moment that is not after `now`.
    if slot <= now:
        return next_slot(every, slot + datetime.timedelta(hours=1), timezone)
    return slot
