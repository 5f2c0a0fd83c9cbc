"""`patron events drain`: a burst worker for the event outbox; `patron events schema`: the
JSON Schema of webhook bodies.

It delivers every due event to the plugins' hooks now, in this process (partition by
partition, as the `deliver_outbox` job does), and exits once none is left: events another
process (a worker) is delivering are waited for; events waiting for a retry after a
failure, and the later events of the same customer they hold back, are reported rather
than awaited. Tests use it to run plugin side effects at a known moment; operators, to
catch up after an outage.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated

import msgspec
import typer

from cli.output import console, fail, print_json
from cli.plugins import plugin_host
from cli.runtime import run

events_app = typer.Typer(help="The event outbox (operator).", no_args_is_help=True)

IDLE_POLL_SECONDS = 0.1


class FailingEvent(msgspec.Struct, kw_only=True):
    """An event whose delivery failed for some plugin: waiting for a retry, or dead."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    type: str
    status: str
    attempts: int
    errors: dict[str, str]


class Drained(msgspec.Struct, kw_only=True):
    """`relayed`: events this run handed to the plugins (a failed one is rescheduled);
    `failing`: every event, whoever relayed it, whose delivery failed for some plugin."""

    relayed: int
    failing: list[FailingEvent]


class DrainTimeout(Exception):
    pass


async def _tenant_ids(slug: str | None) -> list[uuid.UUID]:
    from core import db
    from core.errors import NotFound
    from core.tenancy.tables import Tenant

    query = Tenant.select(Tenant.id).order_by(Tenant.id)
    if slug is not None:
        query = query.where(Tenant.slug == slug)
    async with db.transaction():
        ids = [row["id"] for row in await query]
    if slug is not None and not ids:
        raise NotFound(f"No tenant with the slug {slug!r}.")
    return ids


async def _due(tenant_ids: list[uuid.UUID]) -> int:
    """Pending events that are due, whoever holds them (leased ones included), except those
    held back behind an earlier failure of the same customer (they wait for its retry)."""
    from core import db
    from core.events import OutboxEvent, OutboxRepository
    from core.tenancy.repository import utcnow

    now, due = utcnow(), 0
    for tenant_id in tenant_ids:
        outbox = OutboxRepository(tenant_id)
        pending = OutboxEvent.status == "pending"
        async with db.tenant_transaction(tenant_id):
            waiting = await outbox.select(OutboxEvent.customer_id).where(
                pending, OutboxEvent.next_attempt_at > now
            )
            ready = await outbox.select(OutboxEvent.customer_id).where(
                pending, OutboxEvent.next_attempt_at <= now
            )
        held = {row["customer_id"] for row in waiting} - {None}
        due += sum(1 for row in ready if row["customer_id"] not in held)
    return due


async def _failing(tenant_ids: list[uuid.UUID]) -> list[FailingEvent]:
    from core import db
    from core.events import OutboxEvent, OutboxRepository

    failing: list[FailingEvent] = []
    for tenant_id in tenant_ids:
        async with db.tenant_transaction(tenant_id):
            rows = await (
                OutboxRepository(tenant_id)
                .select()
                .where(OutboxEvent.status != "done", OutboxEvent.last_error.is_not_null())
                .order_by(OutboxEvent.id)
            )
        failing += [
            FailingEvent(
                id=row["id"],
                tenant_id=row["tenant_id"],
                type=row["type"],
                status=row["status"],
                attempts=row["attempts"],
                errors=msgspec.json.decode(row["last_error"]),
            )
            for row in rows
        ]
    return failing


async def drain(timeout: float, slug: str | None) -> Drained:  # noqa: ASYNC109 - a deadline over many awaits, checked between batches
    """Deliver until no due event is left (for the tenant `slug`, or all of them)."""
    from core.events import OutboxDispatcher

    dispatcher = OutboxDispatcher(plugin_host())
    tenant_ids = await _tenant_ids(slug)
    deadline, relayed = time.monotonic() + timeout, 0
    while True:
        # Every tenant's events share the partitions: a pass delivers them all.
        handled = 0
        for partition in await dispatcher.due_partitions():
            handled += await dispatcher.drain(partition)
        relayed += handled
        if handled:
            continue
        left = await _due(tenant_ids)
        if not left:
            return Drained(relayed=relayed, failing=await _failing(tenant_ids))
        if time.monotonic() > deadline:
            raise DrainTimeout(f"{left} due events were still being delivered after {timeout} s")
        await asyncio.sleep(IDLE_POLL_SECONDS)


@events_app.command("drain")
def drain_command(
    tenant: Annotated[
        str | None, typer.Option(help="Wait only for this tenant's (slug) events.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds.")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Deliver every due event to the plugins now, then exit (a burst worker).

    Reports the events whose delivery failed for some plugin; they are retried later."""
    from core.errors import PatronError

    try:
        result: Drained = run(lambda: drain(timeout, tenant))
    except DrainTimeout as exc:
        fail(str(exc))
    except PatronError as exc:
        fail(exc.detail)
    if as_json:
        print_json(result)
        return
    console.print(f"Relayed {result.relayed} event(s).")
    if result.failing:
        console.print(f"{len(result.failing)} event(s) failed for some plugin:", style="red")
    for event in result.failing:
        retry = "dead: no more retries" if event.status == "dead" else "retried later"
        console.print(
            f"  {event.type} {event.id} of tenant {event.tenant_id},"
            f" {event.attempts} attempt(s), {retry}",
            highlight=False,
            markup=False,
        )
        for plugin, error in event.errors.items():
            console.print(f"    {plugin}: {error}", highlight=False, markup=False, soft_wrap=True)


@events_app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a webhook body: one branch per event of the core and of the
    installed plugins PATRON_PLUGINS allows (for generating clients and validating)."""
    print_json(plugin_host().catalogue.webhook_schema())
