"""The Patron HTTP API as a real child process.

Tests speak real HTTP to `python -m cli.main serve`, started the way an
operator would start it: configured only through the environment variables
pinned in the contract (spec §1), in a working directory of its own so that
nothing it writes (`.patron/`, SQLite files) lands in the repository.

Its output goes to files in that directory, because a pipe nobody reads fills
up and blocks the server; `logs()` shows them when something goes wrong.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.testing.postgres import HOST, free_port

# The directory holding the `core` package: the repository in a checkout (or an
# editable install), site-packages otherwise, where it is on the path anyway.
REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0
MIGRATE_TIMEOUT = 120.0
STOP_GRACE = 5.0
CLI_TIMEOUT = 120.0
_PORT_ATTEMPTS = 3


class ServerError(RuntimeError):
    """The server (or its migration) did not come up; the message has its output."""


@dataclass
class RunningServer:
    """A started server; `stop()` it when done."""

    base_url: str
    operator_token: str
    database_url: str
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def log_file(self) -> Path:
        return self.workdir / "server.log"

    def logs(self) -> str:
        """Everything the server printed so far (stdout and stderr, interleaved)."""
        return _read(self.log_file)

    def cli(self, *args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run `patron ARGS…` against this server's database, with its environment and
        working directory (e.g. `cli("events", "drain", "--json")`); output is captured."""
        return subprocess.run(
            cli_command(*args),
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period.

        The server runs in its own process group and the whole group is
        signalled, so helpers it started (an embedded Redis, workers) go too.
        """
        _terminate(self.process)


def cli_command(*args: str) -> list[str]:
    """`patron ARGS…` run with this interpreter, which has the project's venv."""
    return [sys.executable, "-m", "cli.main", *args]


def server_env(database_url: str, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the app: ours, minus any PATRON_* settings of the
    developer's shell (they would make runs differ between machines), plus a
    fresh operator token and secret key, the database, the scheduler off, and the
    caller's extras.

    A `PYTHONPATH` among the extras is put in front of the inherited one rather
    than replacing it (e.g. a directory of plugin distributions to load)."""
    extra = dict(extra_env or {})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
    pythonpath = [extra.pop("PYTHONPATH")] if extra.get("PYTHONPATH") else []
    pythonpath.append(str(REPO_ROOT))
    if env.get("PYTHONPATH"):
        pythonpath.append(env["PYTHONPATH"])
    env.update(
        PYTHONPATH=os.pathsep.join(pythonpath),
        PYTHONUNBUFFERED="1",
        # Plain tracebacks: Typer's boxed ones are cut to 80 columns in a log file.
        TYPER_STANDARD_TRACEBACK="1",
        PATRON_DATABASE_URL=database_url,
        PATRON_OPERATOR_TOKEN=secrets.token_urlsafe(24),
        PATRON_SECRET_KEY=secrets.token_urlsafe(32),
        # Schedules do not fire by the clock in tests (at random moments, in unrelated
        # tests): a test runs one on demand, or asks for the scheduler with
        # `{"PATRON_SCHEDULER": "on"}` among the extras.
        PATRON_SCHEDULER="off",
    )
    env.update(extra)
    return env


def sqlite_url(workdir: Path) -> str:
    """An SQLite file in the server's own directory (absolute: `sqlite:////…`)."""
    return f"sqlite:///{workdir / 'patron.sqlite'}"


def start_server(
    database_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> RunningServer:
    """Migrate, start `serve` on a free port and wait until `/health` says 200.

    `database_url` defaults to an SQLite file in `workdir` (a new temp dir by
    default). `patron migrate` runs first whatever the database: serve only
    migrates the embedded SQLite default by itself, and migrating twice is
    harmless.
    """
    workdir = workdir or Path(tempfile.mkdtemp(prefix="patron-server-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(database_url or sqlite_url(workdir), extra_env)
    migrate(env, workdir)
    for attempt in range(_PORT_ATTEMPTS):
        server = _spawn(env, workdir, free_port())
        try:
            _wait_healthy(server, timeout)
            return server
        except ServerError:
            server.stop()
            port_taken = "address already in use" in server.logs().lower()
            if not port_taken or attempt == _PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def migrate(env: Mapping[str, str], workdir: Path) -> None:
    """Run `patron migrate`; raise with its output if it fails."""
    log = workdir / "migrate.log"
    with open(log, "ab") as out:
        try:
            result = subprocess.run(
                cli_command("migrate"),
                cwd=workdir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=MIGRATE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ServerError(f"`patron migrate` timed out\n--- output\n{_read(log)}") from None
    if result.returncode != 0:
        raise ServerError(
            f"`patron migrate` exited with {result.returncode}\n--- output\n{_read(log)}"
        )


def _spawn(env: dict[str, str], workdir: Path, port: int) -> RunningServer:
    log = open(workdir / "server.log", "ab")  # noqa: SIM115 - the child keeps it open
    try:
        process = subprocess.Popen(
            cli_command("serve", "--host", HOST, "--port", str(port)),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()
    return RunningServer(
        base_url=f"http://{HOST}:{port}",
        operator_token=env["PATRON_OPERATOR_TOKEN"],
        database_url=env["PATRON_DATABASE_URL"],
        env=env,
        workdir=workdir,
        process=process,
    )


def _wait_healthy(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                raise ServerError(
                    f"the server exited with {code} while starting\n--- output\n{server.logs()}"
                )
            try:
                response = client.get(server.base_url + "/health")
                if response.status_code == 200:
                    return
                last_error = f"GET /health answered {response.status_code}: {response.text[:500]}"
            except httpx.TransportError as exc:
                last_error = f"GET /health failed: {exc!r}"
            time.sleep(0.1)
    raise ServerError(
        f"the server was not healthy within {timeout:.0f} s ({last_error})\n"
        f"--- output\n{server.logs()}"
    )


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    # Helpers in the group that outlived the server would keep ports and files.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
