"""The test PostgreSQL cluster is real and the app's role is unprivileged.

Row-level-security tests are only meaningful if the application's role can't
bypass RLS; these tests keep the fixture honest about that.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from core.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres_only


async def _fetchrow(dsn: str, query: str) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(query)
        assert row is not None
        return dict(row)
    finally:
        await connection.close()


def test_app_role_is_not_superuser_and_cannot_bypass_rls(postgres: PostgresCluster) -> None:
    row = asyncio.run(
        _fetchrow(
            postgres.app_dsn,
            "SELECT current_user AS role, current_database() AS db, r.rolsuper, r.rolbypassrls"
            " FROM pg_roles r WHERE r.rolname = current_user",
        )
    )
    assert row == {"role": "patron", "db": "patron_test", "rolsuper": False, "rolbypassrls": False}


def test_server_is_tuned_for_tests(postgres: PostgresCluster) -> None:
    row = asyncio.run(
        _fetchrow(
            postgres.superuser_dsn,
            "SELECT current_setting('fsync') AS fsync,"
            " current_setting('synchronous_commit') AS synchronous_commit,"
            " current_setting('full_page_writes') AS full_page_writes,"
            " current_setting('server_version_num')::int >= 150000 AS pg15",
        )
    )
    assert row == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "pg15": True,
    }


def test_extra_database_is_empty_and_owned_by_app_role(postgres: PostgresCluster) -> None:
    dsn = postgres.create_database()
    row = asyncio.run(
        _fetchrow(
            dsn,
            "SELECT pg_get_userbyid(d.datdba) AS owner,"
            " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables,"
            " has_schema_privilege('public', 'CREATE') AS can_create"
            " FROM pg_database d WHERE d.datname = current_database()",
        )
    )
    assert row == {"owner": "patron", "tables": 0, "can_create": True}
