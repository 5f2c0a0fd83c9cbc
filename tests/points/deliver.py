"""Deliver one core event to the points reactions several times at once, in-process, against
a running server's database (as the outbox relay would, were it to redeliver it while the
first delivery was still running).

Run: `python -m tests.points.deliver TENANT_ID EVENT PAYLOAD_JSON COPIES` with the server's
environment (`PATRON_DATABASE_URL`, `PATRON_SECRET_KEY`); EVENT is `payment.recorded` or
`membership.referral_rewarded`. Prints how many deliveries made an earning (for the referral,
the points the referrer holds afterwards).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid


async def deliver(tenant_id: uuid.UUID, event: str, payload: dict, copies: int) -> int:
    from core import db
    from core.jobs.context import job_context
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from plugins.points import reactions, service
    from plugins.points.config import config_of

    await db.start()
    try:
        host = PluginHost(discover(["points"]))
        ctx = await job_context(host, tenant_id)
        assert ctx is not None
        config = config_of(ctx)
        if event == "membership.referral_rewarded":
            await asyncio.gather(
                *(reactions.on_referral_rewarded(ctx, config, payload) for _ in range(copies))
            )
            return await service.balance_of(ctx, uuid.UUID(payload["referrer_id"]))
        results = await asyncio.gather(
            *(service.earn_on_payment(ctx, config, payload) for _ in range(copies))
        )
        return sum(1 for made in results if made)
    finally:
        await db.stop()


def main() -> None:
    tenant_id, event = uuid.UUID(sys.argv[1]), sys.argv[2]
    payload, copies = json.loads(sys.argv[3]), int(sys.argv[4])
    print(asyncio.run(deliver(tenant_id, event, payload, copies)))


if __name__ == "__main__":
    main()
