"""The points ledger's rules, pure: no I/O, so that they can be tested on their own (and
are, by property tests in tests/points).

A `Book` is one customer's account as the rules see it: the stored balance, what is owed
(points a refund could not take back under `within_balance`) and the lots (one per earning,
with what is left of it and when it expires). Each operation changes the book in place and
returns the `Posting` to write: the entries (immutable, each with a unique cause), the new
lot, and the allocations of a redemption. The store (`plugins.points.store`) loads a book
under the account's row lock, applies one operation and writes the difference in the same
transaction.

Invariants (checked by `Book.check`, asserted by the property tests):
- the balance is the sum of the entries;
- what is left of the live lots is the balance when it is positive, else nothing;
- under `within_balance` the balance never goes below zero.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

WITHIN_BALANCE = "within_balance"
ALLOW_NEGATIVE = "allow_negative"

EARN, REDEEM, EXPIRE, REVERSE, ADJUST = "earn", "redeem", "expire", "reverse", "adjust"
KINDS = (EARN, REDEEM, EXPIRE, REVERSE, ADJUST)


class Short(Exception):
    """The balance does not cover what is asked (a 409 to the client)."""


@dataclass
class Lot:
    id: uuid.UUID
    earned_at: datetime.datetime
    expires_at: datetime.datetime | None
    points: int  # what the earning put in
    remaining: int  # what is left of it
    expired: bool = False

    def spend_key(self) -> tuple:
        """Soonest-expiring first (never-expiring last), then oldest, then by id."""
        never = self.expires_at is None
        return (never, self.expires_at if not never else self.earned_at, self.earned_at, self.id)


@dataclass(frozen=True)
class Entry:
    kind: str
    points: int  # negative for what leaves the account
    cause: str
    origin: str  # what made it: payment, refund, award, adjustment, redemption, cancel, …


@dataclass
class Posting:
    entries: list[Entry] = field(default_factory=list)
    new_lot: Lot | None = None
    allocations: list[tuple[uuid.UUID, int]] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(entry.points for entry in self.entries)


@dataclass
class Book:
    balance: int = 0
    owed: int = 0
    lots: dict[uuid.UUID, Lot] = field(default_factory=dict)
    policy: str = WITHIN_BALANCE
    new_id: Callable[[], uuid.UUID] = uuid.uuid4

    # -- reading ---------------------------------------------------------------------------
    def live(self) -> list[Lot]:
        """Lots with something left, in spending order."""
        return sorted(
            (lot for lot in self.lots.values() if lot.remaining > 0 and not lot.expired),
            key=Lot.spend_key,
        )

    def check(self, entries: Iterable[Entry] | None = None) -> None:
        """Raise AssertionError when an invariant is broken (`entries`: all of the book's)."""
        if entries is not None:
            total = sum(entry.points for entry in entries)
            assert total == self.balance, f"entries sum to {total}, balance is {self.balance}"
        left = sum(lot.remaining for lot in self.lots.values() if not lot.expired)
        assert left == max(self.balance, 0), f"lots hold {left}, balance is {self.balance}"
        assert all(lot.remaining >= 0 for lot in self.lots.values())
        assert all(lot.remaining == 0 for lot in self.lots.values() if lot.expired)
        assert self.owed >= 0
        if self.policy == WITHIN_BALANCE:
            assert self.balance >= 0, f"balance {self.balance} below zero"

    # -- spending from lots ----------------------------------------------------------------
    def _take(self, points: int, first: Lot | None = None) -> list[tuple[uuid.UUID, int]]:
        """Take up to `points` from the live lots, `first` first and then soonest-expiring
        first; what was taken from which lot."""
        order = self.live()
        if first is not None and first in order:
            order.remove(first)
            order.insert(0, first)
        taken: list[tuple[uuid.UUID, int]] = []
        for lot in order:
            if points <= 0:
                break
            part = min(lot.remaining, points)
            lot.remaining -= part
            points -= part
            taken.append((lot.id, part))
        return taken

    def _credit_lot(self, lot: Lot, points: int) -> None:
        """Put `points` into a lot, less what covers a negative balance first."""
        lot.remaining += points
        if self.balance < 0:
            self._take(min(-self.balance, points), first=lot)

    # -- operations ------------------------------------------------------------------------
    def earn(
        self,
        points: int,
        cause: str,
        origin: str,
        earned_at: datetime.datetime,
        expires_at: datetime.datetime | None,
        *,
        settles: bool = True,
        kind: str = EARN,
    ) -> Posting:
        """An earning of `points` (> 0): a new lot. What is owed is netted against it
        (`settles`), with a `reverse` entry of its own."""
        if points <= 0:
            raise ValueError("an earning is positive")
        posting = Posting(entries=[Entry(kind, points, cause, origin)])
        lot = Lot(self.new_id(), earned_at, expires_at, points, 0)
        self.lots[lot.id] = lot
        posting.new_lot = lot
        settled = min(points, self.owed) if settles else 0
        self._credit_lot(lot, points - settled)
        self.balance += points
        if settled:
            posting.entries.append(Entry(REVERSE, -settled, f"settle:{cause}", "settlement"))
            self.owed -= settled
            self.balance -= settled
        return posting

    def redeem(self, points: int, cause: str) -> Posting:
        """Spend `points` (> 0), soonest-expiring lots first; `Short` when the balance is
        short (the book is then unchanged)."""
        if points <= 0:
            raise ValueError("a redemption is positive")
        if self.balance < points:
            raise Short(f"the balance is {self.balance} points, {points} are needed")
        allocations = self._take(points)
        self.balance -= points
        return Posting(
            entries=[Entry(REDEEM, -points, cause, "redemption")], allocations=allocations
        )

    def cancel(
        self, allocations: Iterable[tuple[uuid.UUID, int]], cause: str, now: datetime.datetime
    ) -> Posting:
        """Give back what a redemption took, to the same lots with their original expiry. A
        lot that has expired meanwhile (or is past its expiry) takes the points back and
        expires them at once: cancelling never revives expired points."""
        allocations = list(allocations)
        total = sum(points for _, points in allocations)
        posting = Posting(entries=[Entry(REVERSE, total, cause, "cancel")])
        for lot_id, points in allocations:
            lot = self.lots[lot_id]
            if lot.expired or (lot.expires_at is not None and lot.expires_at <= now):
                posting.entries.append(Entry(EXPIRE, -points, f"expire:{cause}:{lot_id}", "expiry"))
                continue
            self._credit_lot(lot, points)
            self.balance += points
        return posting

    def expire(self, lot_id: uuid.UUID, cause: str) -> Posting:
        """Expire what is left of a lot, once (a second call changes nothing)."""
        lot = self.lots[lot_id]
        if lot.expired:
            return Posting()
        lot.expired = True
        left, lot.remaining = lot.remaining, 0
        self.balance -= left
        return Posting(entries=[Entry(EXPIRE, -left, cause, "expiry")] if left else [])

    def reverse(self, points: int, cause: str, origin: str, lot_id: uuid.UUID | None) -> Posting:
        """Take back `points` a refund reverses, from its payment's lot first. Under
        `within_balance` only what the balance holds is taken and the rest is owed, netted
        against future earnings; under `allow_negative` the balance may go below zero."""
        if points <= 0:
            return Posting()
        first = self.lots.get(lot_id) if lot_id is not None else None
        if self.policy == WITHIN_BALANCE:
            taken = min(points, max(self.balance, 0))
            self.owed += points - taken
        else:
            taken = points
        self._take(min(taken, max(self.balance, 0)), first=first)
        self.balance -= taken
        return Posting(entries=[Entry(REVERSE, -taken, cause, origin)] if taken else [])

    def adjust(
        self,
        points: int,
        cause: str,
        earned_at: datetime.datetime,
        expires_at: datetime.datetime | None,
    ) -> Posting:
        """A supervisor's correction: positive makes a lot (it settles nothing owed);
        negative spends like a redemption, and under `within_balance` may not take the
        balance below zero (`Short`)."""
        if points == 0:
            raise ValueError("an adjustment is not zero")
        if points > 0:
            return self.earn(
                points, cause, "adjustment", earned_at, expires_at, settles=False, kind=ADJUST
            )
        if self.policy == WITHIN_BALANCE and self.balance < -points:
            raise Short(f"the balance is {self.balance} points, cannot take {-points}")
        self._take(min(-points, max(self.balance, 0)))
        self.balance += points
        return Posting(entries=[Entry(ADJUST, points, cause, "adjustment")])


# -- earning arithmetic ---------------------------------------------------------------------
def points_for(major_amount: str, per_unit: float, multiplier: float = 1.0) -> int:
    """Points for a payment of `major_amount` major units (text, e.g. "123.45"): rounded
    down, per payment."""
    value = Decimal(major_amount) * Decimal(str(per_unit)) * Decimal(str(multiplier))
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def refund_points(earned: int, paid: int, refunded_before: int, refund: int) -> int:
    """What a refund of `refund` takes back of the `earned` points of a payment of `paid`:
    the share refunded so far, rounded down, less what earlier refunds took; so refunding
    the whole payment, in one go or in parts, takes back exactly what it earned."""
    if paid <= 0:
        return 0
    total = min(refunded_before + refund, paid)
    return earned * total // paid - earned * min(refunded_before, paid) // paid


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """`moment` plus whole months; the day is clamped to the month's last (31 Jan + 1 month
    = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
