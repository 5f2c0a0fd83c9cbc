"""The events the gym publishes: `<plugin>.<event>`, declared on the descriptor.

Other plugins subscribe to them by name and decode them into Structs of their own (they
never import this module): add fields, never rename or remove one.
"""

from __future__ import annotations

import datetime
import uuid
from typing import ClassVar

from core import sdk


class MembershipStarted(sdk.Event, frozen=True):
    """A customer signed up for one of the gym's plans."""

    type: ClassVar[str] = "gym.membership_started"
    membership_id: uuid.UUID
    customer_id: uuid.UUID
    plan: str
    starts_on: datetime.date
    ends_on: datetime.date
