"""The care plugin's settings per tenant (validated by the plugin host; JSON Schema at
`GET /api/v1/plugins`). `{"config": {}}` greets on the birthday, New Year's Day, the Spring
Festival, Teachers' Day, Mid-Autumn and National Day (api.md §6) by SMS at 09:00.

Templates take `{name}` placeholders only (the customer's fields and the occasion's); an
unknown one is a 422 naming the field (`config.occasions[0].template`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core import sdk

Slug = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Label = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^\x00]*\S[^\x00]*$")]
Text = Annotated[str, Meta(min_length=1, max_length=sdk.MAX_TEMPLATE_CHARS)]
Channel = Literal["http", "email"]
Channels = Annotated[list[Channel], Meta(min_length=1, max_length=2)]
# Another plugin's customer filter, as in `GET /customers?education.tier=key`.
Filter = Annotated[
    str,
    Meta(max_length=200, pattern=r"^[a-z][a-z0-9_]{1,31}\.[A-Za-z0-9_]{1,64}=[^\x00]{1,100}$"),
]


def split_filter(text: str) -> tuple[str, str]:
    """ "education.tier=key" → ("education.tier", "key")."""
    name, _, value = text.partition("=")
    return name, value


# What a greeting or notice template may name.
GREETING_FIELDS = (*sdk.occasions.CUSTOMER_FIELDS, "occasion")
RENEWAL_FIELDS = (*sdk.occasions.CUSTOMER_FIELDS, "label", "due_on", "days")
NOTICE_FIELDS = sdk.occasions.CUSTOMER_FIELDS


def check_template(text: str, allowed: tuple[str, ...], field: str) -> sdk.MessageTemplate:
    return sdk.parse_template(text, allowed, field=field)


class OccasionConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One occasion: `kind` "birthday"; "festival" with `name` one of the engine's
    festivals (`spring_festival`, `mid_autumn`, `teachers_day`, …; never `qingming`);
    or "date" with `name` a slug of your own and `date` "MM-DD"."""

    kind: Literal["birthday", "festival", "date"]
    template: Text
    name: Slug | None = None
    date: sdk.MonthDay | None = None
    label: Label | None = None  # what `{occasion}` shows; the festival's own name by default
    channels: Channels = msgspec.field(default_factory=lambda: ["http"])

    def occasion(self, field: str = "occasion") -> sdk.occasions.Occasion:
        if self.kind == "birthday":
            return sdk.occasions.birthday()
        if self.kind == "festival":
            if self.name is None:
                raise sdk.InvalidInput([(f"{field}.name", "a festival names its festival")])
            return sdk.occasions.festival(self.name, label=self.label, field=f"{field}.name")
        if self.name is None or self.date is None:
            raise sdk.InvalidInput([(f"{field}.date", "a date occasion has a name and a date")])
        return sdk.occasions.custom_date(
            f"date-{self.name}", self.label or self.name, self.date, field=f"{field}.date"
        )


class CallbackRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A callback task for the customer's owner every `every_days` days, for the customers
    carrying `tag` and selected by `filter` (another plugin's customer filter, e.g.
    `"education.tier=key"`; a plugin the tenant has not enabled: the rule is skipped);
    all customers when both are null."""

    name: Slug
    every_days: Annotated[int, Meta(ge=1, le=366)]
    tag: Annotated[str, Meta(min_length=1, max_length=50)] | None = None
    filter: Filter | None = None
    title: Label = "Callback"


def default_occasions() -> list[OccasionConfig]:
    greeting = "{name}，祝您{occasion}快乐！"
    return [
        OccasionConfig(kind="birthday", template="{name}，祝您生日快乐！"),
        *(
            OccasionConfig(kind="festival", name=key, template=greeting)
            for key in sdk.occasions.DEFAULT_FESTIVALS
        ),
    ]


class CareConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    occasions: Annotated[list[OccasionConfig], Meta(max_length=50)] = msgspec.field(
        default_factory=default_occasions
    )
    # When greetings and renewal notices go out, tenant-local.
    send_at: sdk.LocalTime = "09:00"
    # A missing customer field in a template: this text instead ("" when not listed).
    fallback: dict[Annotated[str, Meta(max_length=40)], Label] = msgspec.field(
        default_factory=lambda: {"name": "尊敬的客户"}
    )
    callbacks: Annotated[list[CallbackRule], Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    # Renewal notices (`service` messages) this many days before the date.
    renewal_days_before: Annotated[int, Meta(ge=0, le=365)] = 30
    renewal_template: Text = "{name}，您的{label}将于{due_on}到期，请及时续费。"
    renewal_channel: Channel = "http"

    def __post_init__(self) -> None:
        keys = []
        for index, item in enumerate(self.occasions):
            field = f"config.occasions[{index}]"
            occasion = item.occasion(field)
            check_template(item.template, GREETING_FIELDS, f"{field}.template")
            keys.append(occasion.key)
        if len(keys) != len(set(keys)):
            raise sdk.InvalidInput([("config.occasions", "each occasion at most once")])
        names = [rule.name for rule in self.callbacks]
        if len(names) != len(set(names)):
            raise sdk.InvalidInput([("config.callbacks", "names must be unique")])
        check_template(self.renewal_template, RENEWAL_FIELDS, "config.renewal_template")
