"""The gym's queries, always within the caller's tenant."""

from __future__ import annotations

import datetime
import uuid

from core import sdk
from piccolo.columns.combination import Where
from piccolo.query import Select

from patron_gym.tables import Membership, Welcome


class MembershipRepository(sdk.TenantRepository[Membership]):
    table = Membership

    @staticmethod
    def active_on(today: datetime.date) -> Where:
        return (Membership.starts_on <= today) & (Membership.ends_on >= today)

    async def active_of(self, customer_id: uuid.UUID, today: datetime.date) -> dict | None:
        """The customer's membership covering `today` that ends last, if any."""
        return (
            await self.select()
            .where(Membership.customer_id == customer_id, self.active_on(today))
            .order_by(Membership.ends_on, ascending=False)
            .first()
        )

    def active_member_ids(self, today: datetime.date) -> Select:
        return self.select(Membership.customer_id).where(self.active_on(today))

    async def of_customer(self, customer_id: uuid.UUID) -> list[dict]:
        return await self.select().where(Membership.customer_id == customer_id)

    async def ended_unrecorded(self, today: datetime.date) -> list[dict]:
        return await self.select().where(
            Membership.ends_on < today, Membership.expired_at.is_null()
        )


class WelcomeRepository(sdk.TenantRepository[Welcome]):
    table = Welcome

    async def of(self, customer_id: uuid.UUID) -> dict | None:
        return await self.select().where(Welcome.customer_id == customer_id).first()
