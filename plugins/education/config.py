"""The education plugin's settings per tenant (validated by the plugin host against this
Struct; its JSON Schema is published at `GET /api/v1/plugins`). Every field has the
default the source documents give (domain.md §3.1), so `{"config": {}}` is a working setup.

Money is in minor units of `currency` (the tenant's currency when null): 800000 is
8000.00 CNY.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core import sdk
from plugins.education.tiering import Tier

Name = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Label = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Level = Annotated[int, Meta(ge=0, le=2)]
Money = Annotated[int, Meta(ge=0, le=10_000_000_000_000)]
Months = Annotated[int, Meta(ge=0, le=600)]
# "every 15 days", "every 1 months", or an occasion: the birthday (tenant time), the
# tenant's public holidays, a referral, an opinion (an interaction of a feedback kind), or
# "on request" (staff start it for every student of the tier: `POST …/services/{name}/run`).
RECURRENCE = (
    r"^(every [1-9][0-9]{0,2} (days|months)|on (birthday|holidays|referral|feedback|request))$"
)
Recurrence = Annotated[str, Meta(pattern=RECURRENCE)]
Template = Annotated[str, Meta(min_length=1, max_length=1000)]
TimeOfDay = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
TEMPLATE_FIELDS = frozenset({"name", "holiday"})


class Intent(enum.StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class LifecycleStage(enum.StrEnum):
    """lead → consulting → enrolled → learning → renewal_due → renewed or lost."""

    lead = "lead"
    consulting = "consulting"
    enrolled = "enrolled"
    learning = "learning"
    renewal_due = "renewal_due"
    renewed = "renewed"
    lost = "lost"


# The stages at or past enrolment: a student in one of them has converted.
ENROLLED_STAGES = frozenset(
    {
        LifecycleStage.enrolled,
        LifecycleStage.learning,
        LifecycleStage.renewal_due,
        LifecycleStage.renewed,
    }
)


class Assignee(enum.StrEnum):
    """Who gets a service's tasks: the customer's owner (head teacher, consultant, person in
    charge), the tenant's message administrator, or nobody in particular (a department)."""

    owner = "owner"
    message_admin = "message_admin"
    unassigned = "unassigned"


class Position(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    label: Label
    level: Level


class SchoolStage(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    label: Label


class Service(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One line of the service schedule: what the tiers in `tiers` earn, how often, and who
    does it. Referral services also name the referrer's gift and the new customer's discount."""

    name: Name
    title: Label
    tiers: Annotated[list[Tier], Meta(min_length=1, max_length=3)]
    recurrence: Recurrence
    task_kind: Name
    done_by: Label
    assign_to: Assignee = Assignee.owner
    referrer_gift: Money | None = None
    discount_percent: Annotated[int, Meta(ge=0, le=100)] | None = None

    @property
    def every(self) -> tuple[int, str] | None:
        """(n, "days"|"months") of a recurring service, else None."""
        words = self.recurrence.split()
        return (int(words[1]), words[2]) if words[0] == "every" else None

    @property
    def occasion(self) -> str | None:
        words = self.recurrence.split()
        return words[1] if words[0] == "on" else None


def default_positions() -> list[Position]:
    return [
        Position(
            name="senior",
            label="企事业单位中高层管理者或副处级以上政府官员",
            level=2,
        ),
        Position(name="public_sector", label="事业单位、国企、政府机关工作人员", level=1),
        Position(name="other", label="其他", level=0),
    ]


def default_school_stages() -> list[SchoolStage]:
    return [
        SchoolStage(name="primary", label="小学"),
        SchoolStage(name="middle", label="初中"),
        SchoolStage(name="high_school", label="高中"),
        SchoolStage(name="university", label="大学"),
        SchoolStage(name="adult", label="成人"),
    ]


def default_services() -> list[Service]:
    """The service schedule of seed 003 §5."""
    everyone = [Tier.key, Tier.attention, Tier.general]
    return [
        Service(
            name="call_fortnightly",
            title="Phone call every 15 days",
            tiers=[Tier.key],
            recurrence="every 15 days",
            task_kind="call",
            done_by="head teacher / consultant",
        ),
        Service(
            name="call_monthly",
            title="Phone call every month",
            tiers=[Tier.attention, Tier.general],
            recurrence="every 1 months",
            task_kind="call",
            done_by="head teacher / consultant",
        ),
        Service(
            name="birthday_gift",
            title="Birthday gift on the day (cake, flowers)",
            tiers=[Tier.key],
            recurrence="on birthday",
            task_kind="birthday_gift",
            done_by="person in charge",
        ),
        Service(
            name="appreciation_event",
            title="Invitation to the customer appreciation event",
            tiers=[Tier.key],
            recurrence="on request",
            task_kind="invitation",
            done_by="person in charge",
        ),
        Service(
            name="holiday_greeting",
            title="Greeting message on major holidays",
            tiers=everyone,
            recurrence="on holidays",
            task_kind="greeting",
            done_by="message administrator",
            assign_to=Assignee.message_admin,
        ),
        Service(
            name="product_news",
            title="Latest product information",
            tiers=everyone,
            recurrence="on request",
            task_kind="product_news",
            done_by="department",
            assign_to=Assignee.unassigned,
        ),
        Service(
            name="referral_key",
            title="Referral: a 300 CNY gift for the referrer, 20% off for the new customer",
            tiers=[Tier.key],
            recurrence="on referral",
            task_kind="referral_gift",
            done_by="person in charge",
            referrer_gift=30000,
            discount_percent=20,
        ),
        Service(
            name="referral",
            title="Referral: a 200 CNY gift for the referrer, 15% off for the new customer",
            tiers=[Tier.attention, Tier.general],
            recurrence="on referral",
            task_kind="referral_gift",
            done_by="person in charge",
            referrer_gift=20000,
            discount_percent=15,
        ),
        Service(
            name="feedback_reply",
            title="Feedback on every opinion within 24 hours",
            tiers=everyone,
            recurrence="on feedback",
            task_kind="feedback_reply",
            done_by="head teacher / consultant",
        ),
    ]


class EducationConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Position categories, each scored 0, 1 or 2 in the position dimension.
    positions: Annotated[list[Position], Meta(min_length=1, max_length=50)] = msgspec.field(
        default_factory=default_positions
    )
    school_stages: Annotated[list[SchoolStage], Meta(min_length=1, max_length=50)] = msgspec.field(
        default_factory=default_school_stages
    )
    # Total paid (payments less refunds) for level 2 and level 1, in minor units.
    key_paid: Money = 800000
    attention_paid: Money = 400000
    # The currency of those thresholds (the tenant's when null); payments in other
    # currencies do not count towards them.
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] | None = None
    # Months covered by the student's enrolments (overlaps count once) for level 2 and 1.
    key_months: Months = 5
    attention_months: Months = 3
    # Who is tiered and scheduled: customers with a student profile (`PUT …/students/{id}`)
    # or an enrolment (false); or also every person customer (true). Never organisations.
    tier_all_people: bool = False
    # Every student is re-evaluated on this period as well as on every change.
    reevaluate_every_months: Annotated[int, Meta(ge=1, le=24)] = 6
    renewal_reminder_days: Annotated[int, Meta(ge=0, le=365)] = 30
    # A student due for renewal whose latest course ended this many days ago without a new
    # enrolment is `lost` (schedule `lifecycle`).
    lost_after_days: Annotated[int, Meta(ge=0, le=3650)] = 30
    services: Annotated[list[Service], Meta(max_length=50)] = msgspec.field(
        default_factory=default_services
    )
    # Interaction kinds that are opinions needing a reply, and how soon.
    feedback_kinds: Annotated[list[Name], Meta(max_length=20)] = msgspec.field(
        default_factory=lambda: ["feedback", "opinion"]
    )
    feedback_reply_hours: Annotated[int, Meta(ge=1, le=720)] = 24
    # The staff member who checks birthdays and sends greetings (unassigned tasks if null).
    message_admin_id: uuid.UUID | None = None
    # Seed 003: the message administrator checks birthdays *before* 10:00. The daily care
    # job (schedule `care`) runs at `care_check_time` and the administrator's birthday-check
    # task is due at `birthday_check_due`, both "HH:MM" tenant time, the job first.
    care_check_time: TimeOfDay = "08:00"
    birthday_check_due: TimeOfDay = "10:00"
    # Kept for compatibility: holiday greetings follow the core's festival calendar
    # (`sdk.occasions.default_festivals()`), not a country's statutory holiday list.
    holiday_country: Annotated[str, Meta(pattern=r"^[A-Z]{2}$")] = "CN"
    holiday_greeting: Template = "{name}，祝您{holiday}快乐！"
    birthday_greeting: Template = "{name}，祝您生日快乐！"
    # The channel greetings go out on: "http" (the SMS gateway, to the phone) or "email".
    greeting_channel: Literal["http", "email"] = "http"

    def __post_init__(self) -> None:
        if self.attention_paid > self.key_paid:
            raise ValueError("attention_paid must not exceed key_paid")
        if self.attention_months > self.key_months:
            raise ValueError("attention_months must not exceed key_months")
        for what, items in (
            ("positions", self.positions),
            ("school_stages", self.school_stages),
            ("services", self.services),
        ):
            names = [item.name for item in items]
            if len(names) != len(set(names)):
                raise ValueError(f"{what}: names must be unique")
        for service in self.services:
            if service.occasion == "referral" and (
                service.referrer_gift is None or service.discount_percent is None
            ):
                raise ValueError(
                    f"service {service.name}: a referral names referrer_gift and discount_percent"
                )
        if self.care_check_time >= self.birthday_check_due:
            raise ValueError("care_check_time must be before birthday_check_due")
        # Placeholders only (no format specs): a 422 naming the field at config save.
        for field in ("holiday_greeting", "birthday_greeting"):
            sdk.parse_template(getattr(self, field), TEMPLATE_FIELDS, field=f"config.{field}")

    def greeting(self, field: str, **values: str) -> str:
        """The greeting template `field` ("holiday_greeting" or "birthday_greeting") with
        `values` substituted."""
        template = sdk.parse_template(getattr(self, field), TEMPLATE_FIELDS, field=field)
        return sdk.render_template(template, values)

    def position(self, name: str | None) -> Position | None:
        return next((p for p in self.positions if p.name == name), None)

    def school_stage(self, name: str | None) -> SchoolStage | None:
        return next((s for s in self.school_stages if s.name == name), None)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def services_on(self, occasion: str, tier: Tier) -> list[Service]:
        return [s for s in self.services if s.occasion == occasion and tier in s.tiers]

    def recurring_for(self, tier: Tier) -> list[Service]:
        return [s for s in self.services if s.every is not None and tier in s.tiers]

    def check_due_time(self) -> datetime.time:
        return datetime.time.fromisoformat(self.birthday_check_due)

    def currency_of(self, tenant_currency: str) -> str:
        return self.currency or tenant_currency
