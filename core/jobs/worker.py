"""The job worker and the outbox relay.

`JobRunner` runs an arq worker (the job functions below) and the relay that turns due
outbox partitions into jobs. `patron worker` runs one; `patron serve` runs one inside the
API process when no `PATRON_REDIS_URL` is set (with an embedded Redis), and otherwise only
enqueues, leaving the work to any number of `patron worker` processes.

Jobs are serialised with msgspec (MessagePack), not pickle, carry their tenant explicitly,
and are idempotent: arq runs them at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import msgspec
from arq import Worker, create_pool
from arq.connections import ArqRedis
from arq.worker import Retry, func

from core import db
from core.crypto import FieldCipher
from core.events import DELIVERY_TIMEOUT_SECONDS, OutboxDispatcher, backoff
from core.jobs import maintenance
from core.jobs.messages import enqueue_due_messages, send_message
from core.jobs.ondemand import run_schedule_request
from core.jobs.redis import redis_settings
from core.jobs.scheduler import Scheduler
from core.jobs.webhooks import WebhookDeliverer, enqueue_due_webhooks
from core.messaging.service import MessageSender
from core.settings import Settings

log = logging.getLogger("patron.jobs")

RELAY_SECONDS = 0.1
JOB_TIMEOUT_SECONDS = 60
SCHEDULE_SECONDS = 20.0
SCHEDULE_TRIES = 5


def serialize(job: dict[str, Any]) -> bytes:
    return msgspec.msgpack.encode(job)


def deserialize(data: bytes) -> dict[str, Any]:
    return msgspec.msgpack.decode(data)


async def deliver_outbox(job: dict[str, Any], partition: int) -> int:
    """Deliver one outbox partition's due events, in order."""
    dispatcher: OutboxDispatcher = job["outbox"]
    return await dispatcher.drain(partition)


async def run_schedule(
    job: dict[str, Any], tenant_id: str, plugin: str, schedule: str, slot: str
) -> None:
    """Run one claimed schedule slot of one tenant; retried with backoff when it raises."""
    scheduler: Scheduler = job["scheduler"]
    try:
        await scheduler.run(tenant_id, plugin, schedule, slot)
    except Exception as exc:
        tries = job.get("job_try", 1)
        if tries >= SCHEDULE_TRIES:
            log.error(
                "schedule %s/%s of tenant %s failed for good: %s", plugin, schedule, tenant_id, exc
            )
            return  # kept as failed: the run row has the error and no finished_at
        raise Retry(defer=backoff(tries)) from exc


async def deliver_webhook(job: dict[str, Any], delivery_id: str, tenant_id: str) -> str:
    """One attempt of one webhook delivery (its retries are new jobs, see the relay)."""
    deliverer: WebhookDeliverer = job["webhooks"]
    return await deliverer.deliver(uuid.UUID(delivery_id), uuid.UUID(tenant_id))


FUNCTIONS = [
    # One job per partition at a time (its id is the partition): nothing to keep after it.
    # A job killed with its worker is run again once its timeout has passed.
    func(
        deliver_outbox,
        name="deliver_outbox",
        keep_result=0,
        max_tries=3,
        timeout=DELIVERY_TIMEOUT_SECONDS,
    ),
    func(run_schedule, name="run_schedule", max_tries=SCHEDULE_TRIES),
    # An on-demand run is tried once: its row says failed, with the error, and the admin
    # may ask again. Run a second time by arq, it sees its row already started.
    func(run_schedule_request, name="run_schedule_request", keep_result=60, max_tries=1),
    # Retries are the relay's (a new job id per attempt), after the row's backoff.
    func(send_message, name="send_message", keep_result=0, max_tries=1),
    # One job per delivery attempt (id `webhook:<delivery>:<attempt>`); one lost with its
    # process is enqueued again by the relay when its lease expires.
    func(deliver_webhook, name="deliver_webhook", keep_result=5, max_tries=1),
    # Housekeeping once per period: the kept result makes a second enqueue of the same
    # period's id a no-op for the whole period.
    func(
        maintenance.maintain,
        name=maintenance.JOB,
        keep_result=int(maintenance.PERIOD.total_seconds()),
        max_tries=1,
    ),
]


async def enqueue_due_partitions(pool: ArqRedis, dispatcher: OutboxDispatcher) -> int:
    partitions = await dispatcher.due_partitions()
    for partition in partitions:
        await pool.enqueue_job("deliver_outbox", partition, _job_id=f"outbox:{partition}")
    return len(partitions)


class JobRunner:
    """A worker and the outbox relay, as background tasks of the current event loop."""

    def __init__(
        self,
        host: Any,
        redis_url: str,
        *,
        work: bool = True,
        schedule: bool = True,
        cipher: FieldCipher | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.host = host
        self.redis_url = redis_url
        self.work = work
        self.schedule = schedule
        self.dispatcher = OutboxDispatcher(host)
        self.scheduler = Scheduler(host)
        settings = settings or Settings.from_env()
        self.messages = MessageSender(
            cipher or FieldCipher(settings.secret_key),
            allow_private=settings.webhook_allow_private,
        )
        self.webhooks = WebhookDeliverer(settings)
        self.pool: ArqRedis | None = None
        self.worker: Worker | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    def make_worker(self, *, burst: bool = False) -> Worker:
        return Worker(
            functions=FUNCTIONS,
            redis_pool=self.pool,
            burst=burst,
            handle_signals=False,
            poll_delay=0.05,
            max_jobs=20,
            job_serializer=serialize,
            job_deserializer=deserialize,
            ctx={
                "outbox": self.dispatcher,
                "scheduler": self.scheduler,
                "messages": self.messages,
                "webhooks": self.webhooks,
                "host": self.host,
            },
            keep_result=60,
            # arq marks a job in progress for (the longest job timeout + 10 s): a job whose
            # worker died runs again after that, so keep every job short (work in batches).
            job_timeout=JOB_TIMEOUT_SECONDS,
        )

    async def start(self) -> None:
        self.pool = await create_pool(
            redis_settings(self.redis_url), job_serializer=serialize, job_deserializer=deserialize
        )
        self._tasks.append(asyncio.create_task(self._relay(), name="outbox-relay"))
        if self.schedule:
            self._tasks.append(asyncio.create_task(self._schedule(), name="scheduler"))
        if self.work:
            self.worker = self.make_worker()
            self._tasks.append(asyncio.create_task(self.worker.async_run(), name="arq-worker"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Redis may already be gone at shutdown; there is nothing left to tell it.
        with contextlib.suppress(Exception):
            if self.worker is not None:
                await self.worker.close()
        with contextlib.suppress(Exception):
            if self.pool is not None:
                await self.pool.aclose()

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        """Queue one job (arq drops a second one with the same id while the first exists)."""
        assert self.pool is not None, "the job runner is not started"
        await self.pool.enqueue_job(function, *args, _job_id=job_id)

    async def wait(self) -> None:
        await asyncio.gather(*self._tasks)

    async def _schedule(self) -> None:
        assert self.pool is not None
        while True:
            try:
                await self.scheduler.tick(self.pool)
            except Exception:  # noqa: BLE001 - the scheduler outlives any one failure
                log.exception("scheduler tick failed")
            try:
                await maintenance.enqueue_maintenance(self.pool)
            except Exception:  # noqa: BLE001
                log.exception("enqueueing maintenance failed")
            await asyncio.sleep(SCHEDULE_SECONDS)

    async def _relay(self) -> None:
        assert self.pool is not None
        while True:
            try:
                await enqueue_due_partitions(self.pool, self.dispatcher)
            except Exception:  # noqa: BLE001 - the relay outlives any one failure
                log.exception("outbox relay pass failed")
            try:
                await enqueue_due_messages(self.pool)
            except Exception:  # noqa: BLE001
                log.exception("message relay pass failed")
            try:
                await enqueue_due_webhooks(self.pool)
            except Exception:  # noqa: BLE001 - the relay outlives any one failure
                log.exception("webhook relay pass failed")
            await asyncio.sleep(RELAY_SECONDS)


async def run_worker_forever(host: Any, redis_url: str, *, schedule: bool = True) -> None:
    """`patron worker`: the database, then the worker and relay until cancelled."""
    await db.start()
    runner = JobRunner(host, redis_url, schedule=schedule)
    await runner.start()
    try:
        await runner.wait()
    finally:
        await runner.stop()
        await db.stop()
