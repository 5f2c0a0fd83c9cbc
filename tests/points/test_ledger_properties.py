"""Property tests of the pure ledger rules (`plugins.points.ledger`): random sequences of
earnings, redemptions, cancellations, expiries, refunds and adjustments keep the balance
equal to the sum of the entries and to what the live lots hold, never below zero under
`within_balance`; expiry only takes unspent points; redemptions spend soonest-expiring lots
first; a cancel gives back to the same lots."""

from __future__ import annotations

import datetime
import uuid
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.points import ledger

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

earn_op = st.tuples(st.just("earn"), st.integers(1, 500), st.one_of(st.none(), st.integers(1, 40)))
redeem_op = st.tuples(st.just("redeem"), st.integers(1, 600))
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 50))
expire_op = st.tuples(st.just("expire"), st.integers(0, 40))  # days to move the clock on
refund_op = st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 100))
adjust_op = st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool))
operations = st.lists(
    st.one_of(earn_op, redeem_op, cancel_op, expire_op, refund_op, adjust_op), max_size=60
)


def run(ops: list[tuple], policy: str) -> None:
    book = ledger.Book(policy=policy)
    entries: list[ledger.Entry] = []
    redemptions: list[tuple[list[tuple[uuid.UUID, int]], bool]] = []
    payments: list[tuple[uuid.UUID, int, int]] = []  # lot, points, refunded share (percent)
    refunded: dict[int, int] = {}
    now = T0
    for n, op in enumerate(ops):
        kind = op[0]
        before = {lot.id: lot.remaining for lot in book.lots.values()}
        balance_before = book.balance
        if kind == "earn":
            _, points, days = op
            expires = None if days is None else now + datetime.timedelta(days=days)
            posting = book.earn(points, f"e{n}", "payment", now, expires)
            payments.append((posting.new_lot.id, points, 100))
        elif kind == "redeem":
            try:
                posting = book.redeem(op[1], f"r{n}")
            except ledger.Short:
                assert book.balance < op[1]
                assert {lot.id: lot.remaining for lot in book.lots.values()} == before
                continue
            check_fifo(book, posting.allocations)
            assert sum(p for _, p in posting.allocations) == op[1]
            redemptions.append((posting.allocations, True))
        elif kind == "cancel":
            if not redemptions:
                continue
            index = op[1] % len(redemptions)
            allocations, active = redemptions[index]
            if not active:
                continue
            redemptions[index] = (allocations, False)
            posting = book.cancel(allocations, f"c{n}", now)
            if balance_before >= 0:
                for lot_id, points in allocations:
                    lot = book.lots[lot_id]
                    if not lot.expired and (lot.expires_at is None or lot.expires_at > now):
                        assert lot.remaining == before[lot_id] + points  # the same lots
        elif kind == "expire":
            now += datetime.timedelta(days=op[1])
            posting = ledger.Posting()
            for lot in list(book.lots.values()):
                if lot.expires_at is not None and lot.expires_at <= now:
                    left = 0 if lot.expired else lot.remaining
                    done = book.expire(lot.id, f"x{lot.id}")
                    # Only what is left of the lot, and only once.
                    assert -done.points == left
                    assert book.expire(lot.id, f"x{lot.id}").entries == []
                    posting.entries += done.entries
            for lot in book.lots.values():  # nothing else moved
                if lot.expires_at is None or lot.expires_at > now:
                    assert lot.remaining == before[lot.id]
        elif kind == "refund":
            if not payments:
                continue
            index = op[1] % len(payments)
            lot_id, earned, _ = payments[index]
            done = refunded.get(index, 0)
            share = min(op[2], 100 - done)
            if share <= 0:
                continue
            points = ledger.refund_points(earned, 100, done, share)
            refunded[index] = done + share
            owed_before = book.owed
            posting = book.reverse(points, f"f{n}", "refund", lot_id)
            if policy == ledger.WITHIN_BALANCE:
                taken = -posting.points
                assert taken == min(points, max(balance_before, 0))
                assert book.owed == owed_before + points - taken
            else:
                assert -posting.points == points
        else:
            try:
                posting = book.adjust(op[1], f"a{n}", now, None)
            except ledger.Short:
                assert policy == ledger.WITHIN_BALANCE and book.balance < -op[1]
                continue
        entries += posting.entries
        assert book.balance == balance_before + posting.points
        book.check(entries)
    assert len({entry.cause for entry in entries}) == len(entries)


def check_fifo(book: ledger.Book, allocations: list[tuple[uuid.UUID, int]]) -> None:
    """Every lot spent before the last one touched is empty, and they were taken in order."""
    keys = [book.lots[lot_id].spend_key() for lot_id, _ in allocations]
    assert keys == sorted(keys)
    last = keys[-1]
    for lot in book.lots.values():
        if not lot.expired and lot.spend_key() < last:
            assert lot.remaining == 0, "a sooner-expiring lot was left while a later one was spent"


@settings(max_examples=300, deadline=None)
@given(operations)
def test_within_balance_sequences_keep_the_invariants(ops):
    run(ops, ledger.WITHIN_BALANCE)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_allow_negative_sequences_keep_the_invariants(ops):
    run(ops, ledger.ALLOW_NEGATIVE)


@given(st.integers(0, 10**6), st.integers(1, 10**6), st.lists(st.integers(1, 100), max_size=8))
def test_refunds_in_parts_take_back_exactly_what_the_payment_earned(earned, paid, parts):
    total, taken = 0, 0
    for part in parts + [paid]:  # the last refunds whatever is left
        refund = min(part, paid - total)
        step = ledger.refund_points(earned, paid, total, refund)
        assert step >= 0
        taken += step
        total += refund
    assert total == paid and taken == earned


@given(
    st.integers(0, 10**12),
    st.sampled_from([0, 2, 3]),
    st.sampled_from(["1", "0.5", "2", "0.01", "3.7"]),
    st.sampled_from(["1", "1.5", "2", "3"]),
)
def test_earnings_are_rounded_down_per_payment(minor, exponent, per_unit, multiplier):
    whole, fraction = divmod(minor, 10**exponent)
    major = str(whole) if exponent == 0 else f"{whole}.{fraction:0{exponent}d}"
    exact = Fraction(minor, 10**exponent) * Fraction(per_unit) * Fraction(multiplier)
    assert ledger.points_for(major, float(per_unit), float(multiplier)) == int(exact // 1)


def test_months_are_added_in_the_calendar():
    moment = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC)
    assert ledger.add_months(moment, 1) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert ledger.add_months(moment, 24).year == 2028
