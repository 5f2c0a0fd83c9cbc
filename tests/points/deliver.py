"""Deliver one core event to the points reactions several times at once, in-process, against
a running server's database (as the outbox relay would, were it to redeliver it while the
first delivery was still running).

Run: `python -m tests.points.deliver TENANT_ID EVENT PAYLOAD_JSON COPIES` with the server's
environment (`PATRON_DATABASE_URL`, `PATRON_SECRET_KEY`); EVENT is `payment.recorded` or
`membership.referral_rewarded`. Prints how many deliveries made an earning (for the referral,
the points the referrer holds afterwards).

EVENT `outbox:membership.referral_rewarded` instead writes COPIES of the membership
plugin's event into the outbox again, each in its own transaction (a redelivery through
the server's relay); prints COPIES.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid


async def publish(tenant_id: uuid.UUID, payload: dict, copies: int) -> int:
    import msgspec

    from core import db, events
    from core.jobs.context import job_context
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from plugins.membership.events import ReferralRewarded

    await db.start()
    try:
        ctx = await job_context(PluginHost(discover(["membership", "points"])), tenant_id)
        assert ctx is not None
        event = msgspec.convert(payload, ReferralRewarded)
        for _ in range(copies):
            async with db.tenant_transaction(tenant_id, write=True):
                await events.emit(ctx, event)
        return copies
    finally:
        await db.stop()


async def deliver(tenant_id: uuid.UUID, event: str, payload: dict, copies: int) -> int:
    import msgspec

    from core import db, sdk
    from core.jobs.context import job_context
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from plugins.points import reactions, service

    await db.start()
    try:
        host = PluginHost(discover(["points"]))
        tenant = await job_context(host, tenant_id)
        assert tenant is not None
        ctx = host.bind(tenant, "points")
        if event == "membership.referral_rewarded":
            rewarded = msgspec.convert(payload, reactions.ReferralRewarded)
            await asyncio.gather(
                *(reactions.on_referral_rewarded(ctx, rewarded) for _ in range(copies))
            )
            return await service.balance_of(ctx, rewarded.referrer_id)
        payment = msgspec.convert(payload, sdk.PaymentPayload)
        results = await asyncio.gather(
            *(service.earn_on_payment(ctx, payment) for _ in range(copies))
        )
        return sum(1 for made in results if made)
    finally:
        await db.stop()


def main() -> None:
    tenant_id, event = uuid.UUID(sys.argv[1]), sys.argv[2]
    payload, copies = json.loads(sys.argv[3]), int(sys.argv[4])
    if event == "outbox:membership.referral_rewarded":
        print(asyncio.run(publish(tenant_id, payload, copies)))
    else:
        print(asyncio.run(deliver(tenant_id, event, payload, copies)))


if __name__ == "__main__":
    main()
