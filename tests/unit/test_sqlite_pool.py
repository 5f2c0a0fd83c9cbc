"""The pooled SQLite engine: connections are reused, and only clean ones go back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from piccolo.engine.sqlite import TransactionType

from core.sqlite_pool import IDLE_CONNECTIONS, PooledSQLiteEngine


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture
def engine(tmp_path: Path) -> PooledSQLiteEngine:
    pooled = PooledSQLiteEngine(path=str(tmp_path / "pool.sqlite"), timeout=5)

    async def schema() -> None:
        await pooled.run_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")

    _run(schema())
    return pooled


def test_queries_outside_a_transaction_reuse_one_connection_and_commit(engine):
    async def scenario() -> tuple[int, list[dict], int]:
        await engine._run_in_new_connection("INSERT INTO t (v) VALUES ('a')")
        first = engine._idle[-1]
        rows = await engine._run_in_new_connection("SELECT v FROM t")
        reused = sum(c is first for c in engine._idle)
        await engine.close_connections()
        return reused, rows, len(engine._idle)

    reused, rows, left = _run(scenario())
    assert reused == 1 and rows == [{"v": "a"}] and left == 0


def test_a_failed_statement_leaves_its_connection_clean_for_the_next_transaction(engine):
    async def scenario() -> list[dict]:
        await engine._run_in_new_connection("INSERT INTO t (v) VALUES ('a')")
        with pytest.raises(Exception, match="UNIQUE"):
            await engine._run_in_new_connection("INSERT INTO t (v) VALUES ('a')")
        # the same connection begins a write transaction: none may be open on it
        async with engine.transaction(transaction_type=TransactionType.immediate) as txn:
            await txn.connection.execute("INSERT INTO t (v) VALUES ('b')")
        rows = await engine._run_in_new_connection("SELECT v FROM t ORDER BY v")
        await engine.close_connections()
        return rows

    assert _run(scenario()) == [{"v": "a"}, {"v": "b"}]


def test_a_connection_with_an_open_transaction_is_closed_not_pooled(engine):
    async def scenario() -> tuple[int, list[dict]]:
        lease = await engine.get_connection()
        await lease.execute("BEGIN IMMEDIATE")
        await lease.execute("INSERT INTO t (v) VALUES ('never')")
        await lease.close()  # handed back mid-transaction: dropped, its write rolled back
        idle = len(engine._idle)
        rows = await engine._run_in_new_connection("SELECT v FROM t")
        await engine.close_connections()
        return idle, rows

    assert _run(scenario()) == (0, [])


def test_at_most_the_idle_limit_stays_open(engine):
    async def scenario() -> int:
        leases = [await engine.get_connection() for _ in range(IDLE_CONNECTIONS + 3)]
        for lease in leases:
            await lease.close()
        kept = len(engine._idle)
        await engine.close_connections()
        return kept

    assert _run(scenario()) == IDLE_CONNECTIONS
