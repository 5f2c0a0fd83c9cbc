"""Plugin schedules fire at each tenant's own local time, once per slot, with two workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.jobs.redis import EmbeddedRedis
from tests.support.server import REPO_ROOT


def test_daily_schedules_fire_at_local_time_once_per_slot_with_two_schedulers(tmp_path: Path):
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.jobs.schedule_scenario"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(REPO_ROOT),
                "PICCOLO_CONF": "core.piccolo_conf",
                "PATRON_PLUGINS": "gym",
                "PATRON_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                "PATRON_SECRET_KEY": "x" * 40,
                "REDIS_URL": redis.url,
            },
        )
    finally:
        redis.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Two schedulers tick together at each moment; each slot is claimed exactly once.
    assert outcome["claims"] == [2, 0, 1, 1]
    assert outcome["runs"] == {
        # 02:00 in Shanghai is 18:00 UTC the day before.
        "shanghai": ["2026-11-22T18:00:00+00:00", "2026-11-23T18:00:00+00:00"],
        # 02:00 in Berlin (UTC+1 in November) is 01:00 UTC.
        "berlin": ["2026-11-23T01:00:00+00:00", "2026-11-24T01:00:00+00:00"],
    }
    assert outcome["queued"] == 4
