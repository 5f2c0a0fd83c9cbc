"""The ladder rule, pure (plugins/membership/ladder.py): every boundary, the window's edges
in tenant time, the downgrade grace, never-downgrade floors, and properties."""

from __future__ import annotations

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.membership.config import MembershipConfig
from plugins.membership.ladder import (
    Facts,
    Held,
    Payment,
    Refund,
    add_months,
    evaluate,
    totals,
    window_start,
)

SHANGHAI = "Asia/Shanghai"
UTC = datetime.UTC
# 12:00 on 3 December 2026 in Shanghai.
NOW = datetime.datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
LADDER = [
    {"name": "base"},
    {"name": "silver", "min_spend": 1000, "min_purchases": 2, "min_referrals": 0},
    {"name": "gold", "min_spend": 5000, "min_purchases": 3, "min_referrals": 1},
]


def config(**overrides: Any) -> MembershipConfig:
    raw: dict[str, Any] = {"levels": LADDER, **overrides}
    return msgspec.convert(raw, MembershipConfig, strict=True)


def pays(*amounts: int, at: datetime.datetime = NOW) -> tuple[Payment, ...]:
    return tuple(Payment(id=uuid.uuid4(), at=at, amount=amount) for amount in amounts)


def level(facts: Facts, cfg: MembershipConfig | None = None, held: str | None = None) -> str | None:
    return evaluate(facts, cfg or config(), Held(level=held), NOW, SHANGHAI).level


# -- minimums ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amounts", "referrals", "expected"),
    [
        ((), 0, "base"),
        ((500, 500), 0, "silver"),  # spend exactly 1000, purchases exactly 2
        ((500, 499), 0, "base"),  # spend one below
        ((1000,), 0, "base"),  # purchases one below
        ((2000, 2000, 1000), 1, "gold"),  # every gold minimum exactly
        ((2000, 2000, 999), 1, "silver"),  # gold spend one below
        ((4000, 1000), 1, "silver"),  # gold purchases one below
        ((2000, 2000, 1000), 0, "silver"),  # gold referrals one below
    ],
)
def test_the_highest_level_whose_every_minimum_is_met(
    amounts: tuple[int, ...], referrals: int, expected: str
) -> None:
    facts = Facts(payments=pays(*amounts), referrals=(NOW,) * referrals)
    assert level(facts) == expected


def test_no_level_when_even_the_lowest_has_minimums_not_met() -> None:
    cfg = config(levels=[{"name": "silver", "min_purchases": 1}])
    assert level(Facts(), cfg) is None
    assert level(Facts(payments=pays(1)), cfg) == "silver"


def test_refunds_are_netted_and_a_wholly_refunded_payment_is_no_purchase() -> None:
    a, b = pays(600, 600)
    assert level(Facts(payments=(a, b))) == "silver"
    # 200 back of a: spend 1000 exactly, still two purchases.
    assert level(Facts(payments=(a, b), refunds=(Refund(at=NOW, amount=200, of=a.id),))) == (
        "silver"
    )
    # 201 back: spend 999.
    assert level(Facts(payments=(a, b), refunds=(Refund(at=NOW, amount=201, of=a.id),))) == ("base")
    c = pays(5000)[0]
    wholly = Facts(payments=(a, c), refunds=(Refund(at=NOW, amount=600, of=a.id),))
    assert totals(wholly, window_start(NOW, SHANGHAI, 12)).purchases == 1
    assert level(wholly) == "base"
    # A refund naming no payment counts against spend at its own time.
    loose = Facts(payments=(a, b), refunds=(Refund(at=NOW, amount=201),))
    assert level(loose) == "base"


# -- the window, in tenant time ------------------------------------------------------------
def test_the_window_starts_the_day_after_today_n_months_ago_at_local_midnight() -> None:
    start = window_start(NOW, SHANGHAI, 12)
    assert start.isoformat() == "2025-12-04T00:00:00+08:00"
    # 23:30 UTC on 3 December is already 4 December in Shanghai.
    late = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert window_start(late, SHANGHAI, 12).isoformat() == "2025-12-05T00:00:00+08:00"
    assert window_start(late, "America/Los_Angeles", 12).isoformat() == (
        "2025-12-04T00:00:00-08:00"
    )


def test_month_ends_clamp() -> None:
    assert add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 3, 31), -1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2026, 1, 15), -13) == datetime.date(2024, 12, 15)
    assert add_months(datetime.date(2025, 12, 31), 2) == datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("at", "counts"),
    [
        ("2025-12-04T00:00:00+08:00", True),  # the window's first instant
        ("2025-12-03T23:59:59+08:00", False),  # one second before
        ("2025-12-03T16:00:00+00:00", True),  # the same first instant, in UTC
        ("2025-12-03T15:59:59+00:00", False),  # still 3 December in Shanghai
    ],
)
def test_a_purchase_at_the_window_edge(at: str, counts: bool) -> None:
    moment = datetime.datetime.fromisoformat(at)
    facts = Facts(payments=pays(500, at=moment) + pays(500))
    assert level(facts) == ("silver" if counts else "base")


def test_referrals_count_within_the_window_only() -> None:
    inside = datetime.datetime.fromisoformat("2025-12-04T00:00:00+08:00")
    outside = inside - datetime.timedelta(seconds=1)
    payments = pays(2000, 2000, 1000)
    assert level(Facts(payments=payments, referrals=(inside,))) == "gold"
    assert level(Facts(payments=payments, referrals=(outside,))) == "silver"


def test_a_refund_of_a_payment_before_the_window_changes_nothing() -> None:
    old = pays(9000, at=datetime.datetime(2025, 1, 1, tzinfo=UTC))[0]
    facts = Facts(
        payments=(old, *pays(500, 500)), refunds=(Refund(at=NOW, amount=9000, of=old.id),)
    )
    assert level(facts) == "silver"


def test_a_refund_naming_no_payment_before_the_window_changes_nothing() -> None:
    before = datetime.datetime.fromisoformat("2025-12-03T23:59:59+08:00")
    facts = Facts(payments=pays(500, 500), refunds=(Refund(at=before, amount=500),))
    assert level(facts) == "silver"


# -- falling: grace and never-downgrade ----------------------------------------------------
def test_without_grace_a_level_falls_at_once() -> None:
    assert level(Facts(), held="gold") == "base"


def test_grace_keeps_the_level_for_exactly_n_days_from_the_first_evaluation_below() -> None:
    cfg = config(downgrade_grace_days=30)
    first = evaluate(Facts(), cfg, Held(level="gold"), NOW, SHANGHAI)
    assert (first.level, first.qualified, first.below_since) == ("gold", "base", NOW)
    just_before = NOW + datetime.timedelta(days=30, seconds=-1)
    kept = evaluate(Facts(), cfg, Held(level="gold", below_since=NOW), just_before, SHANGHAI)
    assert (kept.level, kept.below_since) == ("gold", NOW)
    over = evaluate(
        Facts(),
        cfg,
        Held(level="gold", below_since=NOW),
        NOW + datetime.timedelta(days=30),
        SHANGHAI,
    )
    assert (over.level, over.below_since) == ("base", None)


def test_grace_falls_to_what_the_minimums_give_and_qualifying_again_ends_it() -> None:
    cfg = config(downgrade_grace_days=30)
    silver = Facts(payments=pays(500, 500))
    later = NOW + datetime.timedelta(days=31)
    over = evaluate(silver, cfg, Held(level="gold", below_since=NOW), later, SHANGHAI)
    assert over.level == "silver"
    gold = Facts(payments=pays(2000, 2000, 1000), referrals=(NOW,))
    back = evaluate(gold, cfg, Held(level="gold", below_since=NOW), NOW, SHANGHAI)
    assert (back.level, back.below_since) == ("gold", None)


def test_rising_is_immediate_even_during_a_grace() -> None:
    cfg = config(downgrade_grace_days=30)
    assert level(Facts(payments=pays(2000, 2000, 1000), referrals=(NOW,)), cfg, held="silver") == (
        "gold"
    )


def test_a_never_downgrade_level_is_a_floor() -> None:
    ladder = [dict(item) for item in LADDER]
    ladder[1]["never_downgrade"] = True
    cfg = config(levels=ladder)
    assert level(Facts(), cfg, held="silver") == "silver"
    # From gold the customer falls, but not below silver.
    assert level(Facts(), cfg, held="gold") == "silver"
    # Never reached: no floor.
    assert level(Facts(), cfg, held="base") == "base"
    ladder[1]["never_downgrade"] = False
    assert level(Facts(), config(levels=ladder), held="silver") == "base"


def test_a_floor_within_a_grace_falls_to_the_floor_when_the_grace_ends() -> None:
    ladder = [dict(item) for item in LADDER]
    ladder[1]["never_downgrade"] = True
    cfg = config(levels=ladder, downgrade_grace_days=10)
    assert evaluate(Facts(), cfg, Held(level="gold"), NOW, SHANGHAI).level == "gold"
    later = NOW + datetime.timedelta(days=10)
    assert evaluate(Facts(), cfg, Held(level="gold", below_since=NOW), later, SHANGHAI).level == (
        "silver"
    )


def test_a_held_level_no_longer_on_the_ladder_is_no_level() -> None:
    assert level(Facts(payments=pays(500, 500)), held="diamond") == "silver"


# -- properties ----------------------------------------------------------------------------
amounts = st.lists(st.integers(min_value=1, max_value=4000), max_size=6)
held_levels = st.sampled_from([None, "base", "silver", "gold"])


@settings(max_examples=300, deadline=None)
@given(
    amounts,
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=1, max_value=5000),
    held_levels,
    st.integers(min_value=0, max_value=40),
)
def test_more_spend_never_lowers_the_level(
    paid: list[int], referrals: int, extra: int, held: str | None, grace: int
) -> None:
    cfg = config(downgrade_grace_days=grace)
    ranks = {None: -1, "base": 0, "silver": 1, "gold": 2}
    before = Facts(payments=pays(*paid), referrals=(NOW,) * referrals)
    more = Facts(payments=pays(*paid, extra), referrals=(NOW,) * referrals)
    # One payment more is more spend and one purchase more.
    assert ranks[level(more, cfg, held=held)] >= ranks[level(before, cfg, held=held)]
    # The same purchases, one bigger: more spend only.
    if paid:
        bigger = Facts(payments=pays(*paid[:-1], paid[-1] + extra), referrals=(NOW,) * referrals)
        assert ranks[level(bigger, cfg, held=held)] >= ranks[level(before, cfg, held=held)]


@settings(max_examples=300, deadline=None)
@given(amounts, st.integers(min_value=0, max_value=3), held_levels)
def test_the_level_met_is_one_whose_every_minimum_is_met_and_the_next_is_not(
    paid: list[int], referrals: int, held: str | None
) -> None:
    cfg = config()
    facts = Facts(payments=pays(*paid), referrals=(NOW,) * referrals)
    result = evaluate(facts, cfg, Held(level=held), NOW, SHANGHAI)
    found = result.totals
    assert found.spend == sum(paid) and found.purchases == len(paid)
    rank = cfg.rank(result.qualified)
    for index, item in enumerate(cfg.levels):
        met = (
            found.spend >= item.min_spend
            and found.purchases >= item.min_purchases
            and found.referrals >= item.min_referrals
        )
        assert met == (index <= rank)
    # Without grace or floors, the level is what the minimums give.
    assert result.level == result.qualified


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=800), st.integers(min_value=1, max_value=4000)
        ),
        max_size=6,
    ),
    st.integers(min_value=0, max_value=800),
)
def test_time_passing_alone_never_raises_the_level(
    paid: list[tuple[int, int]], later_hours: int
) -> None:
    """Purchases only ever leave the window: with no new facts, a later evaluation qualifies
    for the same level or a lower one, and a purchase counts exactly while it is in the
    window (its local date after today's date 12 months ago)."""
    cfg = config()
    payments = tuple(
        Payment(id=uuid.uuid4(), at=NOW - datetime.timedelta(days=days), amount=amount)
        for days, amount in paid
    )
    facts = Facts(payments=payments)
    later = NOW + datetime.timedelta(hours=later_hours * 12)
    now_rank = cfg.rank(evaluate(facts, cfg, Held(), NOW, SHANGHAI).qualified)
    later_rank = cfg.rank(evaluate(facts, cfg, Held(), later, SHANGHAI).qualified)
    assert later_rank <= now_rank
    zone = ZoneInfo(SHANGHAI)
    for moment in (NOW, later):
        today = moment.astimezone(zone).date()
        inside = [p for p in payments if p.at.astimezone(zone).date() > add_months(today, -12)]
        found = totals(facts, window_start(moment, SHANGHAI, 12))
        assert (found.spend, found.purchases) == (sum(p.amount for p in inside), len(inside))
