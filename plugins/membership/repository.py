"""The membership plugin's queries, always within the caller's tenant."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from piccolo.query.functions.aggregate import Count

from core import sdk
from plugins.membership.tables import LevelChange, Member, Referral


class MemberRepository(sdk.TenantRepository[Member]):
    table = Member

    async def of(self, customer_id: uuid.UUID) -> dict | None:
        # `first_by`: a statement prepared once, as this is the customer section's read.
        return await self.first_by(customer_id=customer_id)

    async def of_many(
        self, customer_ids: Iterable[uuid.UUID] | None, lock: bool = False
    ) -> list[dict]:
        """The members named (every member when None); `lock`: until commit, so that two
        re-evaluations of one member run one after the other."""
        if customer_ids is None:
            return await self.select()
        rows: list[dict] = []
        for batch in sdk.chunked(customer_ids):
            query = self.select().where(Member.customer_id.is_in(batch))
            rows.extend(await (self.locking(query) if lock else query))
        return rows

    async def add_missing(self, customer_ids: Iterable[uuid.UUID], everyone: bool = False) -> None:
        """A row for each customer that has none yet (`everyone`: the ids are all the
        tenant's customers, so one query finds the members there are)."""
        wanted = set(customer_ids)
        if not wanted:
            return
        known: set[uuid.UUID] = set()
        if everyone:
            known = {row["customer_id"] for row in await self.select(Member.customer_id)}
        for batch in [] if everyone else sdk.chunked(wanted):
            rows = await self.select(Member.customer_id).where(Member.customer_id.is_in(batch))
            known.update(row["customer_id"] for row in rows)
        now = sdk.utcnow()
        missing = [
            {"customer_id": customer_id, "created_at": now, "updated_at": now}
            for customer_id in sorted(wanted - known)
        ]
        # A concurrent evaluation may add the same member: the unique index keeps one.
        await self.insert_many(missing, skip_existing=True)

    async def per_level(self, live: set[uuid.UUID]) -> dict[str | None, int]:
        rows = await self.select(Member.customer_id, Member.level)
        counts: dict[str | None, int] = {}
        for row in rows:
            if row["customer_id"] in live:
                counts[row["level"]] = counts.get(row["level"], 0) + 1
        return counts


class LevelChangeRepository(sdk.TenantRepository[LevelChange]):
    table = LevelChange

    async def of_customer(self, customer_id: uuid.UUID) -> list[dict]:
        return await (
            self.select()
            .where(LevelChange.customer_id == customer_id)
            .order_by(LevelChange.changed_at, ascending=False)
            .order_by(LevelChange.id, ascending=False)
        )


class ReferralRepository(sdk.TenantRepository[Referral]):
    table = Referral

    async def of_referred(self, referred_id: uuid.UUID) -> dict | None:
        return await self.select().where(Referral.referred_id == referred_id).first()

    async def rewarded_since(self, referrer_id: uuid.UUID, since: datetime.datetime) -> int:
        rows = await self.select(Count(Referral.id, alias="n")).where(
            Referral.referrer_id == referrer_id,
            Referral.rewarded.eq(True),
            Referral.created_at >= since,
        )
        return int(rows[0]["n"]) if rows else 0
