"""`patron worker` and `patron jobs failed|retry`: background work and what kept failing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.table import Table

from cli.output import console, fail, print_json
from cli.runtime import run

jobs_app = typer.Typer(help="Background jobs that kept failing (operator).", no_args_is_help=True)


def worker() -> None:
    """Run the background-job worker (needs PATRON_REDIS_URL)."""
    from cli.plugins import plugin_host
    from core.jobs.worker import run_worker_forever
    from core.settings import Settings

    settings = Settings.from_env()
    if settings.redis_url is None:
        fail(
            "PATRON_REDIS_URL is not set: `patron serve` runs the jobs itself on the embedded "
            "default; a separate worker needs a shared Redis."
        )
    asyncio.run(run_worker_forever(plugin_host(), settings.redis_url, schedule=settings.scheduler))


@contextlib.contextmanager
def shared_embedded_jobs() -> Iterator[None]:
    """An embedded Redis and one `patron worker` process for several API processes: they
    get `PATRON_REDIS_URL` and only enqueue. Both stop when the block ends."""
    from core.jobs.redis import EmbeddedRedis, embedded_redis_dir

    redis = EmbeddedRedis(embedded_redis_dir()).start()
    os.environ["PATRON_REDIS_URL"] = redis.url
    job_worker = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"])
    try:
        yield
    finally:
        job_worker.terminate()
        try:
            job_worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            job_worker.kill()
        redis.stop()


@jobs_app.command("failed")
def failed(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List outbox events and schedule runs that gave up, with their errors."""
    from core.jobs.failures import list_failed

    jobs = run(list_failed)
    if as_json:
        print_json(jobs)
        return
    table = Table("id", "kind", "tenant", "name", "attempts", "error")
    for job in jobs:
        table.add_row(
            str(job.id),
            job.kind,
            str(job.tenant_id),
            job.name,
            str(job.attempts),
            (job.error or "")[:120],
        )
    console.print(table)


@jobs_app.command("retry")
def retry(job_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Put a failed job back to work: the running workers pick it up."""
    from core.jobs.failures import retry as retry_job

    try:
        parsed = uuid.UUID(job_id)
    except ValueError:
        fail(f"{job_id!r} is not a job id")
    job = run(lambda: retry_job(parsed))
    if job is None:
        fail(f"no failed job has the id {job_id}")
    if as_json:
        print_json(job)
    else:
        console.print(f"Queued {job.kind} {job.name} again.")
