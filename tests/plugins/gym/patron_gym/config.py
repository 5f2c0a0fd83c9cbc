"""The gym's settings per tenant, validated by the plugin host against this Struct."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

PlanName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^\x00]*\S[^\x00]*$")]


class Plan(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A membership plan the gym sells: a name and how many months it covers."""

    name: PlanName
    months: Annotated[int, Meta(ge=1, le=120)]


def default_plans() -> list[Plan]:
    return [Plan(name="monthly", months=1), Plan(name="annual", months=12)]


class GymConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every field has a default: a tenant enables the gym with `{"config": {}}`."""

    # A month of membership, in minor units of the tenant's currency.
    monthly_fee: Annotated[int, Meta(ge=0, le=10_000_000_000_000)] = 30000
    plans: Annotated[list[Plan], Meta(min_length=1, max_length=50)] = msgspec.field(
        default_factory=default_plans
    )
    # Create a "welcome" task for staff when a customer is created.
    welcome_task: bool = True
    # How many days before a membership ends its timeline shows "renewal due".
    renewal_notice_days: Annotated[int, Meta(ge=1, le=90)] = 14

    def plan(self, name: str) -> Plan | None:
        return next((plan for plan in self.plans if plan.name == name), None)
