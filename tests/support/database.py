"""Reading and changing a test server's database behind the app's back: every row of
every table (for scans that a secret is nowhere stored in plain text) and raw statements
(to set up states the API cannot make). PostgreSQL is reached as the superuser, so
row-level security hides nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from core.testing.postgres import PostgresCluster
from core.testing.server import RunningServer


def _sqlite_path(server: RunningServer) -> str:
    return server.database_url.removeprefix("sqlite:///")


def _cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster


def all_rows_text(server: RunningServer, request: pytest.FixtureRequest) -> str:
    """Every row of every table of the server's database, as text."""
    if server.database_url.startswith("sqlite"):
        connection = sqlite3.connect(_sqlite_path(server))
        try:
            tables = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            assert "customers" in tables and "outbox_events" in tables
            return "\n".join(
                f"{table}: {row!r}"
                for table in tables
                for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            )
        finally:
            connection.close()
    database = urlsplit(server.database_url).path.lstrip("/")
    dump = _cluster(request).dump_data(database)
    assert "customers" in dump and "outbox_events" in dump
    return dump


def count(
    server: RunningServer, request: pytest.FixtureRequest, table: str, where: str = "TRUE"
) -> int:
    """Rows in `table` (of all tenants) meeting the SQL condition `where`."""
    sql = f'SELECT count(*) FROM "{table}" WHERE {where}'  # noqa: S608 - our own text
    if server.database_url.startswith("sqlite"):
        connection = sqlite3.connect(_sqlite_path(server), timeout=30)
        try:
            return int(connection.execute(sql).fetchone()[0])
        finally:
            connection.close()
    database = urlsplit(server.database_url).path.lstrip("/")
    dsn = _cluster(request).superuser_dsn_for(database)

    async def run() -> int:
        connection = await asyncpg.connect(dsn)
        try:
            return int(await connection.fetchval(sql))
        finally:
            await connection.close()

    return asyncio.run(run())


def execute(server: RunningServer, request: pytest.FixtureRequest, sql: str, *args: Any) -> None:
    """Run one statement (`$1`-style parameters on PostgreSQL, `?` on SQLite)."""
    if server.database_url.startswith("sqlite"):
        connection = sqlite3.connect(_sqlite_path(server), timeout=30)
        try:
            connection.execute(sql.replace("$1", "?"), args)
            connection.commit()
        finally:
            connection.close()
        return
    database = urlsplit(server.database_url).path.lstrip("/")
    dsn = _cluster(request).superuser_dsn_for(database)

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    asyncio.run(run())


def as_app_role(dsn: str, sql: str, *args: Any, tenant_id: str | None = None) -> list[dict]:
    """Rows of `sql` run on PostgreSQL as the app's own (non-superuser) role, `dsn` being the
    server's database URL, in one transaction with `app.tenant_id` set to `tenant_id` when
    given: what row-level security lets the app see and write."""

    async def run() -> list[dict]:
        connection = await asyncpg.connect(dsn)
        try:
            async with connection.transaction():
                if tenant_id is not None:
                    await connection.execute(
                        "SELECT set_config('app.tenant_id', $1, true)", tenant_id
                    )
                return [dict(row) for row in await connection.fetch(sql, *args)]
        finally:
            await connection.close()

    return asyncio.run(run())
