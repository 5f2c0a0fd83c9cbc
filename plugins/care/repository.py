"""The care plugin's queries, always within one tenant."""

from __future__ import annotations

import datetime
from typing import Any

from core import sdk
from plugins.care.tables import Broadcast, CareLog, Renewal


class CareLogRepository(sdk.TenantRepository[CareLog]):
    table = CareLog

    async def record(self, rows: list[dict[str, Any]]) -> None:
        """Log what was done; a cause logged before is left as it was."""
        now = sdk.utcnow()
        await self.insert_many([{**row, "created_at": now} for row in rows], skip_existing=True)

    async def done(self, causes: list[str]) -> set[str]:
        found: set[str] = set()
        for batch in sdk.chunked(causes):
            rows = await self.select(CareLog.cause).where(CareLog.cause.is_in(batch))
            found.update(row["cause"] for row in rows)
        return found

    async def messages_between(
        self, first: datetime.date, last: datetime.date
    ) -> list[dict[str, Any]]:
        return await self.select().where(
            CareLog.kind.is_in(["greeting", "broadcast", "renewal"]),
            CareLog.served_on >= first,
            CareLog.served_on <= last,
        )

    async def of_run(self, run_id: Any) -> list[dict[str, Any]]:
        return await self.select().where(CareLog.run_id == run_id)


class RenewalRepository(sdk.TenantRepository[Renewal]):
    table = Renewal

    async def due(self, day: datetime.date) -> list[dict[str, Any]]:
        return await self.select().where(Renewal.notify_on <= day, Renewal.due_on >= day)


class BroadcastRepository(sdk.TenantRepository[Broadcast]):
    table = Broadcast
