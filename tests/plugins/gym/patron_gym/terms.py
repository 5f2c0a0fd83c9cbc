"""Membership terms: pure date arithmetic, no I/O."""

from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def last_day_covered(starts_on: datetime.date, months: int) -> datetime.date:
    """A membership covers `months` months from its first day: 2025-01-15 + 1 month
    ends on 2025-02-14."""
    return add_months(starts_on, months) - datetime.timedelta(days=1)


def is_active(starts_on: datetime.date, ends_on: datetime.date, today: datetime.date) -> bool:
    return starts_on <= today <= ends_on


def renewal_notice_from(ends_on: datetime.date, notice_days: int) -> datetime.date:
    """The first day on which a membership ending on `ends_on` is due for renewal."""
    return ends_on - datetime.timedelta(days=notice_days)


def local_today(timezone: str) -> datetime.date:
    """Today in the tenant's time zone (a tenant in Asia/Shanghai starts its day 8 h before UTC)."""
    return datetime.datetime.now(ZoneInfo(timezone)).date()


def local_midnight(day: datetime.date, timezone: str) -> datetime.datetime:
    """The instant `day` begins in the tenant's time zone."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=ZoneInfo(timezone))
