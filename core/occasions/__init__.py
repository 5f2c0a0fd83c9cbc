"""Occasions: the one calendar of greetings that plugins share (care, education, …).

- **When**: birthdays (29 February is kept on 28 February in other years), named
  festivals with their real dates (Spring Festival and Mid-Autumn from the Chinese lunar
  calendar through `lunardate`; Teachers' Day 10 September, National Day 1 October, New
  Year's Day 1 January, …) and custom month-days, all in the tenant's time zone.
  The festival list is a greeting list, not the statutory holiday list: Qingming (a day of
  mourning) can never be greeted, and the Spring Festival is one occasion (no second text
  on New Year's Eve).
- **What text**: safe templates (`core.messaging.templates`) with the customer's fields
  and a fallback for a missing one.
- **Whether allowed**: every greeting is a `marketing` message through the consent gate
  (`core.messaging.consent`), and once per customer, occasion and year, whichever plugin
  asks: the message's cause key is `occasion:<key>:<year>:<customer>`.

Plugins decide *who* (tiers, segments) and fan out in batches of `BATCH` with
`sdk.enqueue_jobs`; `greet` does one batch.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from lunardate import LunarDate

from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.customers.tables import Customer
from core.errors import InvalidInput
from core.messaging import consent
from core.messaging.schemas import ChannelKind
from core.messaging.service import deliver_message
from core.messaging.templates import MessageTemplate, render_template
from core.plugins.facts import chunked
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow

BATCH = 500
# Customer fields a greeting template may use, besides the caller's own (e.g. `occasion`).
CUSTOMER_FIELDS = ("name", "gender", "region", "email", "phone")
Outcome = Literal["queued", "blocked", "duplicate", "skipped_no_address"]
OUTCOMES: tuple[Outcome, ...] = ("queued", "blocked", "duplicate", "skipped_no_address")


class Occasion(msgspec.Struct, frozen=True, kw_only=True):
    """One occasion of a tenant's calendar. `key` is stable (it is part of the once-a-year
    cause key); `label` is what a template's `{occasion}` shows."""

    key: str
    label: str
    kind: Literal["birthday", "festival", "date"]
    month: int | None = None  # "date": a fixed month-day
    day: int | None = None


def _fixed(month: int, day: int) -> Callable[[int], datetime.date]:
    return lambda year: datetime.date(year, month, day)


def _lunar(month: int, day: int) -> Callable[[int], datetime.date]:
    # The first lunar month's days always fall in the Gregorian year of the same number
    # (late January to February); so does the eighth month's fifteenth (September/October).
    return lambda year: LunarDate(year, month, day).to_solar_date()


# key: (Chinese label, English name, the date in a year)
FESTIVALS: dict[str, tuple[str, str, Callable[[int], datetime.date]]] = {
    "new_year": ("元旦", "New Year's Day", _fixed(1, 1)),
    "spring_festival": ("春节", "Spring Festival", _lunar(1, 1)),
    "lantern_festival": ("元宵节", "Lantern Festival", _lunar(1, 15)),
    "womens_day": ("妇女节", "International Women's Day", _fixed(3, 8)),
    "labour_day": ("劳动节", "Labour Day", _fixed(5, 1)),
    "childrens_day": ("儿童节", "Children's Day", _fixed(6, 1)),
    "dragon_boat": ("端午节", "Dragon Boat Festival", _lunar(5, 5)),
    "qixi": ("七夕节", "Qixi Festival", _lunar(7, 7)),
    "teachers_day": ("教师节", "Teachers' Day", _fixed(9, 10)),
    "mid_autumn": ("中秋节", "Mid-Autumn Festival", _lunar(8, 15)),
    "national_day": ("国庆节", "National Day", _fixed(10, 1)),
    "double_ninth": ("重阳节", "Double Ninth Festival", _lunar(9, 9)),
}
# Days that are never greeted: a "happy …" text on them offends.
NEVER_GREETED = {
    "qingming": "Qingming (Tomb-Sweeping Day) is a day of mourning: it is never greeted",
    "new_years_eve": "the Spring Festival is greeted once, on spring_festival",
    "chuxi": "the Spring Festival is greeted once, on spring_festival",
}
# api.md §6: the care plugin's default set (with the birthday).
DEFAULT_FESTIVALS = ("new_year", "spring_festival", "teachers_day", "mid_autumn", "national_day")


def birthday() -> Occasion:
    return Occasion(key="birthday", label="生日", kind="birthday")


def festival(key: str, *, label: str | None = None, field: str = "festival") -> Occasion:
    """A named festival; `InvalidInput` naming `field` for an unknown or never-greeted one."""
    if key in NEVER_GREETED:
        raise InvalidInput([(field, NEVER_GREETED[key])])
    if key not in FESTIVALS:
        raise InvalidInput([(field, f"unknown festival {key!r}; one of {', '.join(FESTIVALS)}")])
    return Occasion(key=key, label=label or FESTIVALS[key][0], kind="festival")


def default_festivals() -> list[Occasion]:
    return [festival(key) for key in DEFAULT_FESTIVALS]


def parse_month_day(text: str, *, field: str) -> tuple[int, int]:
    """ "MM-DD" of a day that exists in some year (02-29 does, 02-31 does not)."""
    try:
        month, day = (int(part) for part in text.split("-"))
        datetime.date(2000, month, day)  # a leap year: 02-29 exists
    except ValueError:
        raise InvalidInput([(field, f"{text!r} is not a day of the year (MM-DD)")]) from None
    return month, day


def custom_date(key: str, label: str, month_day: str, *, field: str = "date") -> Occasion:
    """A tenant's own day (a founding day, a campaign); "02-29" is kept on 28 February in
    other years, like a birthday."""
    month, day = parse_month_day(month_day, field=field)
    return Occasion(key=key, label=label, kind="date", month=month, day=day)


def _kept_on(month: int, day: int, year: int) -> datetime.date:
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return datetime.date(year, month, day)


def date_in(occasion: Occasion, year: int) -> datetime.date | None:
    """The occasion's day in `year` (None for a birthday: it is each customer's own)."""
    if occasion.kind == "festival":
        return FESTIVALS[occasion.key][2](year)
    if occasion.kind == "date":
        assert occasion.month is not None and occasion.day is not None
        return _kept_on(occasion.month, occasion.day, year)
    return None


def birthday_on(born: datetime.date, day: datetime.date) -> bool:
    """Whether `day` is the birthday; 29 February is kept on 28 February in other years."""
    return _kept_on(born.month, born.day, day.year) == day


def occasions_on(occasions: Iterable[Occasion], day: datetime.date) -> list[Occasion]:
    """The dated occasions (festivals, custom dates) falling on `day`; birthdays aside."""
    return [o for o in occasions if o.kind != "birthday" and date_in(o, day.year) == day]


def local_now(timezone: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """`now` (default: this instant) in the tenant's zone."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone))


def cause_key(occasion: Occasion, customer_id: uuid.UUID | str, day: datetime.date) -> str:
    """Once per customer, occasion and year, whichever plugin greets."""
    return f"occasion:{occasion.key}:{day.year}:{customer_id}"


async def customers_born_on(
    ctx: TenantContext,
    day: datetime.date,
    ids: Collection[uuid.UUID] | None = None,
    fields: Sequence[str] = CUSTOMER_FIELDS,
) -> list[dict[str, Any]]:
    """The live customers (of `ids`, or all) whose birthday is `day`, with `fields`.
    Call inside a tenant transaction."""
    columns = [Customer._meta.get_column_by_name(f) for f in {"id", "birthday", *fields}]
    repo = CustomerRepository(ctx.tenant_id)

    def query() -> Any:
        return repo.select(*columns).where(
            Customer.deleted_at.is_null(), Customer.birthday.is_not_null()
        )

    rows: list[dict[str, Any]] = []
    if ids is None:
        rows = await query()
    else:
        for batch in chunked(ids):
            rows.extend(await query().where(Customer.id.is_in(batch)))
    found = [r for r in rows if birthday_on(_as_date(r["birthday"]), day)]
    return sorted(found, key=lambda r: (r["name"] or "", str(r["id"])))


def _as_date(value: Any) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def recipient(customer: Mapping[str, Any], channel: str) -> str | None:
    """The customer's address on a channel: the phone for the SMS gateway ("http"), the
    e-mail address for "email"."""
    value = customer.get("phone") if channel == ChannelKind.http else customer.get("email")
    return value or None


class Greeting(msgspec.Struct, kw_only=True):
    customer_id: uuid.UUID
    channel: str
    outcome: Outcome
    cause_key: str


async def greet(
    ctx: TenantContext,
    occasion: Occasion,
    customers: Iterable[Mapping[str, Any]],
    *,
    template: MessageTemplate,
    channels: Sequence[str],
    day: datetime.date,
    fallback: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    subject: str | None = None,
    purpose: str = "marketing",
    cause: str | None = None,
) -> list[Greeting]:
    """Greet each customer (dicts with `id` and the template's fields) on each of
    `channels`, once per customer, occasion and year (a repeat is "duplicate"), through the
    consent gate ("blocked"); a customer without the channel's address is
    "skipped_no_address". The text: `template` with the customer's fields, `{occasion}`
    (the occasion's label) and `values`, missing ones from `fallback`. `cause` replaces the
    once-a-year cause (`<cause>:<customer>`) for a message that is not a yearly greeting
    (a notice, a reminder); `purpose` is then often "service".

    Opens (or joins) a write transaction; pass at most `BATCH` customers per call."""
    greetings: list[Greeting] = []
    async with tenant_transaction(ctx.tenant_id, write=True):
        mode = await consent.marketing_mode(ctx.tenant_id)
        for customer in customers:
            fields = {**{f: customer.get(f) for f in CUSTOMER_FIELDS}, "occasion": occasion.label}
            body = render_template(template, {**fields, **(values or {})}, fallback=fallback)
            for channel in channels:
                key = (
                    f"{cause}:{customer['id']}"
                    if cause
                    else cause_key(occasion, customer["id"], day)
                )
                if len(channels) > 1:
                    key = f"{key}:{channel}"
                to = recipient(customer, channel)
                if to is None:
                    outcome: Outcome = "skipped_no_address"
                else:
                    try:
                        status = await deliver_message(
                            ctx,
                            channel=channel,
                            to=to,
                            subject=(subject or body[:100])
                            if channel == ChannelKind.email
                            else None,
                            body=body,
                            cause_key=key,
                            customer_id=customer["id"],
                            purpose=purpose,
                            marketing_mode=mode,
                        )
                    except InvalidInput:  # an address the channel cannot take
                        outcome = "skipped_no_address"
                    else:
                        outcome = "duplicate" if status is None else status  # type: ignore
                greetings.append(
                    Greeting(
                        customer_id=uuid.UUID(str(customer["id"])),
                        channel=channel,
                        outcome=outcome,
                        cause_key=key,
                    )
                )
    return greetings
