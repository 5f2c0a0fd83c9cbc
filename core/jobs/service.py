"""Jobs as the API process sees them: enqueue only, or run everything in-process.

With `PATRON_REDIS_URL` set, the API enqueues (the outbox relay and the scheduler) and
`patron worker` processes do the work. Without it, the process starts an embedded Redis
and runs a worker itself, so the zero-setup default is still one command.
"""

from __future__ import annotations

from typing import Any

from core.crypto import FieldCipher
from core.jobs.redis import EmbeddedRedis, embedded_redis_dir
from core.jobs.worker import JobRunner
from core.settings import Settings


class JobService:
    def __init__(self, settings: Settings, host: Any) -> None:
        self.settings = settings
        self.host = host
        self.embedded: EmbeddedRedis | None = None
        self.runner: JobRunner | None = None

    async def start(self) -> None:
        url = self.settings.redis_url
        if url is None:
            self.embedded = EmbeddedRedis(embedded_redis_dir()).start()
            url = self.embedded.url
        self.runner = JobRunner(
            self.host,
            url,
            work=self.settings.redis_url is None,
            schedule=runs_schedules(self.settings),
            cipher=FieldCipher(self.settings.secret_key),
            settings=self.settings,
        )
        await self.runner.start()

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        """Queue a job for the workers (this process's, or `patron worker`s)."""
        assert self.runner is not None, "jobs are not started"
        await self.runner.enqueue(function, *args, job_id=job_id)

    @property
    def redis_url(self) -> str | None:
        """The Redis in use: `PATRON_REDIS_URL`, or the embedded one once started."""
        if self.settings.redis_url is not None:
            return self.settings.redis_url
        return self.embedded.url if self.embedded is not None else None

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
        if self.embedded is not None:
            self.embedded.stop()


def runs_schedules(settings: Settings) -> bool:
    """Whether the API process ticks the scheduler: only when it also does the work (the
    embedded Redis). With `PATRON_REDIS_URL` the `patron worker` processes schedule; API
    processes that each asked the database about every tenant's slots would only repeat
    their work (10,000 tenants: tens of thousands of transactions per process started)."""
    return settings.scheduler and settings.redis_url is None
