"""Plugin schedules fire at each tenant's own local time, once per slot, with two workers;
`PATRON_SCHEDULER=off` (the test servers' default) starts no scheduler, and API processes
leave scheduling to `patron worker` when there is one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.jobs.redis import EmbeddedRedis
from core.jobs.service import runs_schedules
from core.jobs.worker import JobRunner
from core.plugins.host import PluginHost
from core.settings import Settings
from tests.support.scenario import run_scenario


def test_daily_schedules_fire_at_local_time_once_per_slot_with_two_schedulers(tmp_path: Path):
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outcome = run_scenario(
            "tests.jobs.schedule_scenario",
            f"sqlite:///{tmp_path / 'db.sqlite'}",
            plugins="gym",
            fixture_plugins=True,
            env={"REDIS_URL": redis.url},
            timeout=120,
        )
    finally:
        redis.stop()
    # Two schedulers tick together at each moment; each slot is claimed exactly once.
    assert outcome["claims"] == [2, 0, 1, 1]
    assert outcome["runs"] == {
        # 02:00 in Shanghai is 18:00 UTC the day before.
        "shanghai": ["2026-11-22T18:00:00+00:00", "2026-11-23T18:00:00+00:00"],
        # 02:00 in Berlin (UTC+1 in November) is 01:00 UTC.
        "berlin": ["2026-11-23T01:00:00+00:00", "2026-11-24T01:00:00+00:00"],
    }
    assert outcome["queued"] == 4


def test_patron_scheduler_off_starts_no_scheduler(tmp_path: Path):
    env = {"PATRON_SECRET_KEY": "x" * 40, "PATRON_DATABASE_URL": "sqlite:///x"}
    assert Settings.from_env(env).scheduler is True
    assert Settings.from_env({**env, "PATRON_SCHEDULER": "off"}).scheduler is False
    assert Settings.from_env({**env, "PATRON_SCHEDULER": "ON"}).scheduler is True
    with pytest.raises(ValueError, match="PATRON_SCHEDULER"):
        Settings.from_env({**env, "PATRON_SCHEDULER": "sometimes"})

    async def task_names(schedule: bool) -> set[str]:
        runner = JobRunner(PluginHost([]), redis.url, work=False, schedule=schedule)
        await runner.start()
        try:
            return {task.get_name() for task in runner._tasks}
        finally:
            await runner.stop()

    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        assert "scheduler" in asyncio.run(task_names(schedule=True))
        assert "scheduler" not in asyncio.run(task_names(schedule=False))
    finally:
        redis.stop()


def test_api_processes_schedule_only_when_they_do_the_work_themselves():
    env = {"PATRON_SECRET_KEY": "x" * 40, "PATRON_DATABASE_URL": "sqlite:///x"}
    assert runs_schedules(Settings.from_env(env)) is True  # embedded Redis, in-process worker
    external = {**env, "PATRON_REDIS_URL": "redis://127.0.0.1:1/0"}
    assert runs_schedules(Settings.from_env(external)) is False  # `patron worker` schedules
    assert runs_schedules(Settings.from_env({**env, "PATRON_SCHEDULER": "off"})) is False
