"""The tiering rule of seed 003 §3 (domain.md §3.1), as pure functions of the facts.

Three dimensions are each scored 0, 1 or 2 — position (by its configured category), total
paid (payments less refunds) and enrolled duration (months covered by the union of the
enrolment periods). A student is **key** when at least two dimensions are at level 2,
else **attention** when at least two are at level 1 or more, else **general**.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from plugins.education.config import EducationConfig


class Tier(enum.StrEnum):
    """Weakest first."""

    general = "general"
    attention = "attention"
    key = "key"


ONE_DAY = datetime.timedelta(days=1)
# A day of a 28-, 29-, 30- or 31-day month is a whole number of these units of a month.
MONTH = 28 * 29 * 30 * 31 // 2


class Levels(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    paid: int
    duration: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.position, self.paid, self.duration)


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    """What the rule needs to know about one student."""

    position: str | None = None
    paid: int = 0  # minor units, net of refunds
    periods: tuple[tuple[datetime.date, datetime.date], ...] = ()  # (starts_on, ends_on) inclusive


def tier_of(levels: Levels) -> Tier:
    scores = levels.as_tuple()
    if sum(score == 2 for score in scores) >= 2:
        return Tier.key
    if sum(score >= 1 for score in scores) >= 2:
        return Tier.attention
    return Tier.general


def level(value: Fraction | int, key: int, attention: int) -> int:
    """2 at or above the key threshold, 1 at or above the attention threshold, else 0."""
    if value >= key:
        return 2
    if value >= attention:
        return 1
    return 0


def levels_of(facts: Facts, config: EducationConfig) -> Levels:
    position = config.position(facts.position)
    return Levels(
        position=position.level if position else 0,
        paid=level(facts.paid, config.key_paid, config.attention_paid),
        duration=level(covered_months(facts.periods), config.key_months, config.attention_months),
    )


def evaluate(facts: Facts, config: EducationConfig) -> tuple[Tier, Levels]:
    levels = levels_of(facts, config)
    return tier_of(levels), levels


# -- enrolled duration -----------------------------------------------------------------------
def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def months_between(start: datetime.date, end: datetime.date) -> Fraction:
    """Months from `start` up to (not including) `end`: each calendar month touched counts
    for the share of its days covered. 1 Jan → 1 Apr is exactly 3; 1 Jan → 16 Jan is 15/31.

    A measure of the days (each day weighs 1 / the length of its month), so it adds up over
    disjoint periods and never shrinks when a period grows."""
    return Fraction(_month_units(start, end), MONTH)


def _month_units(start: datetime.date, end: datetime.date) -> int:
    """`months_between` in units of 1/MONTH month: integers, exact and fast."""
    total = 0
    day = start
    while day < end:
        length = calendar.monthrange(day.year, day.month)[1]
        month_end = day.replace(day=1) + datetime.timedelta(days=length)
        stop = min(end, month_end)
        total += (stop - day).days * (MONTH // length)
        day = stop
    return total


def merged(
    periods: Iterable[tuple[datetime.date, datetime.date]],
) -> list[tuple[datetime.date, datetime.date]]:
    """The union of inclusive date periods, as disjoint half-open [start, end) periods;
    touching periods (one ends the day before the next starts) join."""
    spans: list[tuple[datetime.date, datetime.date]] = []
    for start, last in sorted((s, e + ONE_DAY) for s, e in periods if e >= s):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], last))
        else:
            spans.append((start, last))
    return spans


def covered_months(periods: Iterable[tuple[datetime.date, datetime.date]]) -> Fraction:
    """Months covered by the union of the enrolment periods (overlaps counted once)."""
    return Fraction(sum(_month_units(start, end) for start, end in merged(periods)), MONTH)
