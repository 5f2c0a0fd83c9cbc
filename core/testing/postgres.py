"""A throwaway PostgreSQL cluster for the test session.

The tests run against a real PostgreSQL server, never a mock, and never a
server that happens to be running on the machine: each session gets its own
cluster in a temporary directory, on a free loopback port, tuned for speed
(no fsync), and removed afterwards.

PostgreSQL refuses to run as root, and CI runs as root, so when the effective
uid is 0 the server binaries run as the `postgres` system user through
`runuser`, and the cluster directory is handed over to that user.

The application connects as `patron`, an ordinary role (NOSUPERUSER,
NOBYPASSRLS) that owns its database, so row-level security and privilege
checks behave as they would in production, where the app is not a superuser.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

APP_ROLE = "patron"
APP_PASSWORD = "patron"
APP_DATABASE = "patron_test"
SUPERUSER = "postgres"
HOST = "127.0.0.1"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_COMMAND_TIMEOUT = 120.0
_PORT_ATTEMPTS = 5


class PostgresError(RuntimeError):
    """A cluster command failed; the message carries its output and the server log."""


def find_bin_dir() -> Path:
    """Return the newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.

    Debian keeps the server binaries off PATH, one directory per major version.
    """
    candidates: list[tuple[int, Path]] = []
    for entry in glob.glob("/usr/lib/postgresql/*/bin"):
        path = Path(entry)
        version = path.parent.name
        if version.isdigit() and (path / "initdb").is_file():
            candidates.append((int(version), path))
    if not candidates:
        raise PostgresError(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
            "(install the Debian package `postgresql`)"
        )
    return max(candidates)[1]


def free_port() -> int:
    """Ask the kernel for a free TCP port on the loopback address.

    The port is released before the caller binds it, so a race with another
    process is possible; callers that bind retry with a new port on failure.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _clean_env() -> dict[str, str]:
    """The current environment without libpq's PG* variables.

    A developer's PGHOST, PGSSLMODE or PGDATABASE must not redirect or break the
    setup commands, which name everything they connect to explicitly.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class PostgresCluster:
    """A private PostgreSQL cluster: `start()` it, use the DSNs, `stop()` it.

    Connection strings:
    - `superuser_dsn`: the `postgres` superuser, database `postgres`, over TCP
      with a random password; for setup and for tests that inspect the server.
    - `app_dsn`: role `patron` (not a superuser, no BYPASSRLS) on its own
      database `patron_test`; what the application under test is given.
    """

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir: Path = bin_dir or find_bin_dir()
        self.root: Path | None = None
        self.port: int | None = None
        self._superuser_password = secrets.token_hex(16)
        self._as_root = os.geteuid() == 0
        self._started = False

    # -- public API ---------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._root / "data"

    @property
    def log_file(self) -> Path:
        return self._root / "postgres.log"

    @property
    def superuser_dsn(self) -> str:
        return self._dsn(SUPERUSER, self._superuser_password, "postgres")

    @property
    def app_dsn(self) -> str:
        return self.dsn_for(APP_DATABASE)

    def dsn_for(self, database: str) -> str:
        """DSN of role `patron` on `database` of this cluster."""
        return self._dsn(APP_ROLE, APP_PASSWORD, database)

    def superuser_dsn_for(self, database: str) -> str:
        """DSN of the superuser on `database`: sees every row (row-level security is
        skipped), for tests that inspect or tamper with what the app stored."""
        return self._dsn(SUPERUSER, self._superuser_password, database)

    def dump_data(self, database: str) -> str:
        """Every row of every table of `database` as SQL text (`pg_dump --data-only`, as the
        superuser, so row-level security hides nothing): for tests that scan for secrets."""
        return self._client("pg_dump", "--data-only", "-d", self.superuser_dsn_for(database))

    def start(self) -> PostgresCluster:
        """Create the cluster, start it and create the `patron` role and database."""
        if self._started:
            return self
        self.root = self._make_root()
        atexit.register(self.stop)
        try:
            self._initdb()
            self._start_server()
            self._started = True
            self._psql(
                f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}' "
                "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
                f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE}",
            )
        except BaseException:
            self.stop()
            raise
        return self

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database owned by `patron` and return its DSN.

        For tests that need a database nothing has touched yet, such as
        migration tests; the session's `patron_test` database is shared.
        """
        name = name or f"patron_{uuid.uuid4().hex[:12]}"
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a plain lower-case identifier: {name!r}")
        self._psql(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return self.dsn_for(name)

    def stop(self) -> None:
        """Stop the server at once (no checkpoint: the data is thrown away) and
        remove the cluster directory. Safe to call more than once."""
        atexit.unregister(self.stop)
        if self.root is None:
            return
        if self._started:
            self._run(
                [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
                check=False,
            )
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- steps --------------------------------------------------------------

    def _make_root(self) -> Path:
        """A temp dir the server's user owns; 0755 so root's tools can reach
        the socket and log, under the system temp dir, which everyone can
        traverse."""
        root = Path(tempfile.mkdtemp(prefix="patron-pg-"))
        root.chmod(0o755)
        if self._as_root:
            try:
                user = pwd.getpwnam(SUPERUSER)
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                raise PostgresError(
                    "running as root, but there is no `postgres` system user to run "
                    "the server as (PostgreSQL refuses to run as root)"
                ) from None
            os.chown(root, user.pw_uid, user.pw_gid)
        return root

    def _initdb(self) -> None:
        pwfile = self._root / "superuser.pw"
        pwfile.write_text(self._superuser_password + "\n")
        if self._as_root:
            user = pwd.getpwnam(SUPERUSER)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        pwfile.chmod(0o600)
        self._run(
            [
                self._bin("initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        )  # fmt: skip
        pwfile.unlink()
        settings = {
            "listen_addresses": f"'{HOST}'",
            "unix_socket_directories": f"'{self._root}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        # Append as the file's owner would; appending as root keeps its owner.
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# patron test settings\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        """Start on a free port, retrying with another one if it was taken meanwhile."""
        for attempt in range(_PORT_ATTEMPTS):
            self.port = free_port()
            result = self._run(
                [
                    self._bin("pg_ctl"), "start", "-w", "-t", "60",
                    "-D", str(self.data_dir),
                    "-l", str(self.log_file),
                    "-o", f"-p {self.port}",
                ],
                check=False,
            )  # fmt: skip
            if result.returncode == 0:
                return
            taken = "could not bind" in self._server_log() or "in use" in self._server_log()
            if not taken or attempt == _PORT_ATTEMPTS - 1:
                raise PostgresError(self._describe_failure("pg_ctl start", result))

    # -- plumbing -----------------------------------------------------------

    @property
    def _root(self) -> Path:
        if self.root is None:
            raise PostgresError("the cluster is not started")
        return self.root

    def _dsn(self, user: str, password: str, database: str) -> str:
        if self.port is None:
            raise PostgresError("the cluster is not started")
        return f"postgresql://{user}:{password}@{HOST}:{self.port}/{database}"

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _psql(self, *statements: str) -> None:
        """Run each statement in its own transaction (CREATE DATABASE needs that)."""
        commands = [arg for statement in statements for arg in ("-c", statement)]
        self._client(
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.superuser_dsn, *commands
        )

    def _client(self, tool: str, *args: str) -> str:
        """Run a client program (the cluster's own, else the one on PATH) as this user; its
        output, or `PostgresError` with what it said."""
        binary = self.bin_dir / tool
        result = subprocess.run(
            [str(binary) if binary.is_file() else tool, *args],
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresError(self._describe_failure(tool, result))
        return result.stdout

    def _run(self, command: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as `postgres` when we are root.

        The working directory is the cluster dir: the `postgres` user could not
        enter root's current directory, and initdb and pg_ctl look it up.
        """
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(
            command,
            cwd=self._root,
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise PostgresError(self._describe_failure(command[0], result))
        return result

    def _server_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def _describe_failure(self, what: str, result: subprocess.CompletedProcess[str]) -> str:
        return (
            f"{what} failed with exit code {result.returncode}\n"
            f"--- command\n{' '.join(map(str, result.args))}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}\n"
            f"--- server log\n{self._server_log()[-4000:]}"
        )
