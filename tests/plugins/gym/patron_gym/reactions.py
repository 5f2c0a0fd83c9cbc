"""What the gym does when something happens: handlers of the events it subscribes to
(`subscriptions` on the descriptor). They run after the change committed, at least once,
retried when they raise: each is idempotent."""

from __future__ import annotations

import logging

from core import sdk

from patron_gym.config import GymConfig
from patron_gym.repository import WelcomeRepository

log = logging.getLogger("patron_gym")


async def welcome(ctx: sdk.PluginContext[GymConfig], event: sdk.CustomerCreated) -> None:
    """A welcome task for staff, once per customer however often the event is delivered."""
    if not ctx.config.welcome_task:
        return
    customer = event.customer
    welcomes = WelcomeRepository(ctx.tenant_id)
    # The task and its idempotency key commit together (create_task joins this transaction).
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if await welcomes.of(customer.id) is not None:
            return
        try:
            task = await sdk.create_task(
                ctx,
                # Task titles hold 200 characters; a customer's name may too.
                title=f"Welcome {customer.name[:150]} to the gym",
                kind="welcome",
                customer_id=customer.id,
            )
        except sdk.InvalidInput:  # the customer was deleted before the event arrived
            log.info("tenant %s: customer %s is gone; no welcome", ctx.tenant_id, customer.id)
            return
        await welcomes.insert(customer_id=customer.id, task_id=task.id, created_at=sdk.utcnow())
