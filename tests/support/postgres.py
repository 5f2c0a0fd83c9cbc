"""Moved to `core.testing.postgres`; re-exported for the tests that import it from here."""

from core.testing.postgres import (
    APP_DATABASE,
    APP_PASSWORD,
    APP_ROLE,
    HOST,
    SUPERUSER,
    PostgresCluster,
    PostgresError,
    find_bin_dir,
    free_port,
)

__all__ = [
    "APP_DATABASE",
    "APP_PASSWORD",
    "APP_ROLE",
    "HOST",
    "SUPERUSER",
    "PostgresCluster",
    "PostgresError",
    "find_bin_dir",
    "free_port",
]
