"""The points plugin's settings per tenant (validated by the plugin host; JSON Schema at
`GET /api/v1/plugins`). Every field has a default (api.md §6), so `{"config": {}}` works.

Campaign times are wall-clock times in the tenant's time zone, without an offset
(`"2026-12-01T00:00:00"`): a campaign runs from `starts_at` (included) to `ends_at`
(excluded) wherever the server is.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core import sdk

Points = Annotated[int, Meta(ge=0, le=1_000_000_000)]
Kind = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\x00]*\S[^\x00]*$")]
LocalTime = Annotated[datetime.datetime, Meta(tz=False)]


class Activity(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Points for taking part: a task of `kind` completed (`on: "task"`), or an interaction
    logged on `channel` `kind` (`on: "interaction"`), once per task or interaction."""

    on: Literal["task", "interaction"]
    kind: Kind
    points: Annotated[int, Meta(ge=1, le=1_000_000_000)]


class Campaign(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Earnings on payments made from `starts_at` to `ends_at` (tenant time) are multiplied."""

    name: Kind
    starts_at: LocalTime
    ends_at: LocalTime
    multiplier: Annotated[float, Meta(gt=0, le=100)] = 2.0

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")


class PointsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Points per one major currency unit paid (1 yuan), rounded down per payment.
    earn_per_unit: Annotated[float, Meta(ge=0, le=1_000_000)] = 1.0
    # Months after the earning when points expire; null: never.
    expiry_months: Annotated[int, Meta(ge=1, le=1200)] | None = 24
    # Points for the referrer when a referred customer makes a first payment (0: none).
    referral_first_payment_points: Points = 0
    # What a refund does when the points its payment earned are already spent.
    refund_policy: Literal["within_balance", "allow_negative"] = "within_balance"
    activities: list[Activity] = msgspec.field(default_factory=list)
    campaigns: list[Campaign] = msgspec.field(default_factory=list)

    def multiplier_at(self, local: datetime.datetime) -> float:
        """The campaign multiplier at a tenant-local wall-clock time (the highest when
        campaigns overlap; 1 outside every campaign)."""
        found = [c.multiplier for c in self.campaigns if c.starts_at <= local < c.ends_at]
        return max(found, default=1.0)

    def activity_points(self, on: str, kind: str | None) -> int:
        return sum(a.points for a in self.activities if a.on == on and a.kind == kind)


# What the points plugin's code receives: the caller bound to the plugin (`ctx.config`).
Ctx = sdk.PluginContext[PointsConfig]
