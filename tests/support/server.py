"""Moved to `core.testing.server`; re-exported for the tests that import it from here."""

from core.testing.server import (
    MIGRATE_TIMEOUT,
    REPO_ROOT,
    STARTUP_TIMEOUT,
    RunningServer,
    ServerError,
    cli_command,
    migrate,
    server_env,
    sqlite_url,
    start_server,
)

__all__ = [
    "MIGRATE_TIMEOUT",
    "REPO_ROOT",
    "STARTUP_TIMEOUT",
    "RunningServer",
    "ServerError",
    "cli_command",
    "migrate",
    "server_env",
    "sqlite_url",
    "start_server",
]
