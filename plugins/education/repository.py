"""The education plugin's queries, always within the caller's tenant."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from core import sdk
from plugins.education.tables import (
    Enrollment,
    OverrideRequest,
    ServiceLog,
    ServiceTask,
    StageChange,
    Student,
    TierChange,
)

Period = tuple[datetime.date, datetime.date]


class StudentRepository(sdk.TenantRepository[Student]):
    table = Student

    async def of(self, customer_id: uuid.UUID) -> dict | None:
        return await self.first_by(customer_id=customer_id)

    async def of_many(
        self, customer_ids: Iterable[uuid.UUID] | None, lock: bool = False
    ) -> list[dict]:
        """The students named (every student when None); `lock`: until commit, so that two
        re-evaluations of one student run one after the other."""
        if customer_ids is None:
            return await self.select()
        rows: list[dict] = []
        for batch in sdk.chunked(customer_ids):
            query = self.select().where(Student.customer_id.is_in(batch))
            rows.extend(await (self.locking(query) if lock else query))
        return rows

    async def customer_ids(self) -> set[uuid.UUID]:
        rows = await self.select(Student.customer_id)
        return {row["customer_id"] for row in rows}

    async def add_missing(self, customer_ids: Iterable[uuid.UUID], everyone: bool = False) -> None:
        """A lead's profile for each customer that has none yet (`everyone`: the ids are all
        the tenant's customers, so one query finds the students there are)."""
        wanted = set(customer_ids)
        if not wanted:
            return
        known: set[uuid.UUID] = set()
        if everyone:
            known = await self.customer_ids()
        for batch in [] if everyone else sdk.chunked(wanted):
            rows = await self.select(Student.customer_id).where(Student.customer_id.is_in(batch))
            known.update(row["customer_id"] for row in rows)
        now = sdk.utcnow()
        missing = [
            {"customer_id": customer_id, "created_at": now, "updated_at": now}
            for customer_id in sorted(wanted - known)
        ]
        # A concurrent request may add the same student: the unique index keeps one.
        await self.insert_many(missing, skip_existing=True)

    async def in_stages(self, stages: list[str]) -> list[dict]:
        return await self.select().where(Student.lifecycle_stage.is_in(stages))

    async def ids_in_tiers(self, tiers: Iterable[str]) -> list[uuid.UUID]:
        rows = await self.select(Student.customer_id).where(Student.tier.is_in(list(tiers)))
        return [row["customer_id"] for row in rows]


class EnrollmentRepository(sdk.TenantRepository[Enrollment]):
    table = Enrollment

    async def periods(
        self, customer_ids: Iterable[uuid.UUID] | None, but: uuid.UUID | None = None
    ) -> dict[uuid.UUID, list]:
        """(starts_on, ends_on) of each customer's enrolments (every customer when None),
        leaving out the enrolment `but`."""
        columns = (Enrollment.customer_id, Enrollment.starts_on, Enrollment.ends_on)
        batches: Iterable[list[uuid.UUID] | None] = (
            [None] if customer_ids is None else sdk.chunked(customer_ids)
        )
        found: dict[uuid.UUID, list[Period]] = defaultdict(list)
        for batch in batches:
            query = self.select(*columns)
            if batch is not None:
                query = query.where(Enrollment.customer_id.is_in(batch))
            if but is not None:
                query = query.where(Enrollment.id != but)
            rows = await query
            for row in rows:
                found[row["customer_id"]].append((row["starts_on"], row["ends_on"]))
        return found


ChangeT = TypeVar("ChangeT", TierChange, StageChange)


class ChangeLogRepository(sdk.TenantRepository[ChangeT]):
    """A customer's recorded changes of one kind (tier, lifecycle stage), newest first."""

    async def of_customer(
        self,
        customer_id: uuid.UUID,
        newer_than: datetime.datetime | None = None,
        not_newer_than: datetime.datetime | None = None,
    ) -> list[dict]:
        table: Any = self.table  # TierChange or StageChange: both have these columns
        query = self.select().where(table.customer_id == customer_id)
        if newer_than is not None:
            query = query.where(table.changed_at > newer_than)
        if not_newer_than is not None:
            query = query.where(table.changed_at <= not_newer_than)
        return await query.order_by(table.changed_at, ascending=False)


class TierChangeRepository(ChangeLogRepository[TierChange]):
    table = TierChange


class OverrideRequestRepository(sdk.TenantRepository[OverrideRequest]):
    table = OverrideRequest


class ServiceTaskRepository(sdk.TenantRepository[ServiceTask]):
    table = ServiceTask

    async def of_customer(self, customer_id: uuid.UUID) -> list[dict]:
        return await self.select().where(ServiceTask.customer_id == customer_id)

    async def of_task(self, task_id: uuid.UUID) -> dict | None:
        return await self.select().where(ServiceTask.task_id == task_id).first()


class ServiceLogRepository(sdk.TenantRepository[ServiceLog]):
    table = ServiceLog

    @staticmethod
    def detail(row: dict[str, Any] | None) -> dict[str, Any]:
        """A row's `detail` (a JSON object; {} when there is none)."""
        value = None if row is None else row["detail"]
        return value if isinstance(value, dict) else {}

    async def served(self, service: str, cause: str) -> dict | None:
        return (
            await self.select()
            .where(ServiceLog.service == service, ServiceLog.cause == cause)
            .first()
        )

    async def greetings(self, first: datetime.date, last: datetime.date) -> list[dict[str, Any]]:
        return await self.select().where(
            ServiceLog.message_cause.is_not_null(),
            ServiceLog.served_on >= first,
            ServiceLog.served_on <= last,
        )

    async def referral_of(self, referred_id: uuid.UUID, services: list[str]) -> dict | None:
        if not services:
            return None
        return await self.first_by(cause=str(referred_id), service=services)


class StageChangeRepository(ChangeLogRepository[StageChange]):
    table = StageChange

    async def until(self, moment: datetime.datetime) -> list[dict]:
        return await (
            self.select(StageChange.customer_id, StageChange.new_stage, StageChange.changed_at)
            .where(StageChange.changed_at < moment)
            .order_by(StageChange.changed_at)
        )
