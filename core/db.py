"""Database engines and tenant-scoped transactions.

Every query against a tenant table runs inside `tenant_transaction`, which on PostgreSQL
sets `app.tenant_id` with `set_config(..., true)`: transaction-local, so a pooled
connection never carries one tenant's setting into the next request. Row-level security
policies (see migrations) compare each row's `tenant_id` with that setting.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from piccolo.engine import Engine, engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from core.errors import UniqueViolation
from core.settings import DATA_DIR
from core.sqlite_pool import PooledSQLiteEngine

PICCOLO_CONF = "core.piccolo_conf"


def database_url_from_env() -> str:
    return os.environ.get("PATRON_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'patron.sqlite'}"


def create_engine(url: str) -> Engine:
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    if scheme == "sqlite":
        path = url.removeprefix("sqlite:///") or str(DATA_DIR / "patron.sqlite")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # A generous busy timeout: writers queue behind the one immediate transaction.
        return PooledSQLiteEngine(path=path, timeout=30)
    raise ValueError(f"PATRON_DATABASE_URL must be postgresql://… or sqlite:///…, got {url!r}")


def engine() -> Engine:
    # The configuration module's engine straight from `sys.modules` once it is imported:
    # Piccolo's `engine_finder` builds a `Finder` and imports the module again on every
    # call, several times per request on the hot paths.
    module = sys.modules.get(os.environ.get("PICCOLO_CONF") or "piccolo_conf")
    found = getattr(module, "DB", None) if module is not None else None
    if found is None:
        found = engine_finder()
    if found is None:  # pragma: no cover - PICCOLO_CONF is set by the CLI and app factory
        raise RuntimeError("no database engine configured (PICCOLO_CONF)")
    return found


def is_postgres() -> bool:
    return engine().engine_type == "postgres"


async def _reset(connection: object) -> None:
    """What the pool does with a connection handed back: roll back a transaction left open
    (never expected), nothing else. asyncpg's default reset (`RESET ALL`, `UNLISTEN *`,
    `CLOSE ALL`, advisory unlock) is a round trip per transaction for session state Patron
    never sets: the tenant is transaction-local (`set_config(..., true)`)."""
    # An asyncpg connection, typed `object` here (asyncpg has no stubs).
    if connection.is_in_transaction():  # type: ignore[attr-defined]
        await connection.execute("ROLLBACK")  # type: ignore[attr-defined]


async def start() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=2, max_size=20, reset=_reset)
    else:
        assert isinstance(db, SQLiteEngine)
        await _configure_sqlite(db)


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_connections()


async def _configure_sqlite(db: SQLiteEngine) -> None:
    # WAL lets readers proceed while one writer holds the lock.
    await db.run_ddl("PRAGMA journal_mode=WAL")


@asynccontextmanager
async def transaction(*, write: bool = False) -> AsyncIterator[None]:
    """A platform-level transaction (tables without tenant rows: tenants, api_keys)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        kind = TransactionType.immediate if write else TransactionType.deferred
        async with db.transaction(transaction_type=kind):
            yield
    else:
        async with db.transaction():
            yield


class _TenantTransaction(PostgresTransaction):
    """A PostgreSQL transaction that sets the tenant as it begins, in the same round trip
    (`BEGIN; SELECT set_config('app.tenant_id', '<uuid>', true)`). The id is formatted
    from a `uuid.UUID`, so it cannot carry SQL."""

    __slots__ = ("tenant",)

    def __init__(self, db: PostgresEngine, tenant_id: uuid.UUID) -> None:
        super().__init__(engine=db)
        self.tenant = str(tenant_id if isinstance(tenant_id, uuid.UUID) else uuid.UUID(tenant_id))

    async def begin(self) -> None:
        await self.connection.execute(
            f"BEGIN; SELECT set_config('app.tenant_id', '{self.tenant}', true)"
        )

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")
        self._rolled_back = True


@asynccontextmanager
async def tenant_transaction(tenant_id: uuid.UUID, *, write: bool = False) -> AsyncIterator[None]:
    """A transaction in which the tenant's rows, and only those, are visible (PostgreSQL RLS).

    SQLite writes take the lock up front (`BEGIN IMMEDIATE`) so that two concurrent
    requests queue instead of failing with "database is locked" on lock upgrade. Inside an
    open transaction (nested), PostgreSQL's setting is made for this tenant unless the
    enclosing tenant transaction already made it.
    """
    db = engine()
    if not isinstance(db, PostgresEngine):
        async with transaction(write=write):
            yield
        return
    current = db.current_transaction.get()
    if current is None:
        async with _TenantTransaction(db, tenant_id):
            yield
        return
    tenant = str(tenant_id)
    if not isinstance(current, _TenantTransaction) or current.tenant != tenant:
        await current.connection.execute("SELECT set_config('app.tenant_id', $1, true)", tenant)
        if isinstance(current, _TenantTransaction):
            current.tenant = tenant
    yield


@asynccontextmanager
async def savepoint() -> AsyncIterator[None]:
    """Inside a PostgreSQL transaction: a failure in the block (a statement error aborts
    the whole transaction there) is undone back to here, and the transaction goes on.
    Elsewhere (no transaction, SQLite) it only runs the block."""
    db = engine()
    current = db.current_transaction.get() if isinstance(db, PostgresEngine) else None
    if current is None:
        yield
        return
    name = f"patron_sp_{id(current):x}_{current.get_savepoint_id()}"
    await current.connection.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if not current.connection.is_closed():
            await current.connection.execute(f"ROLLBACK TO SAVEPOINT {name}")
        raise


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """`{}` placeholders as PostgreSQL's `$1, $2, …` (once per distinct statement)."""
    parts = sql.split("{}")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


async def fetch_postgres(sql: str, *args: object) -> list[dict]:
    """Rows of a fixed statement (`{}` placeholders), on PostgreSQL only, in the current
    transaction (or on a pooled connection): for hot paths, without Piccolo building the
    query again on every call. asyncpg prepares it once per connection."""
    db = engine()
    assert isinstance(db, PostgresEngine)
    current = db.current_transaction.get()
    if current is not None:
        records = await current.connection.fetch(_numbered(sql), *args)
    else:
        assert db.pool is not None  # started by db.start()
        async with db.pool.acquire() as connection:
            records = await connection.fetch(_numbered(sql), *args)
    return [dict(record) for record in records]


def in_transaction() -> bool:
    """Whether the caller runs inside a transaction (on this task's connection)."""
    return engine().current_transaction.get() is not None


class TransactionRequired(RuntimeError):
    """A write that must commit with the caller's change was called outside a transaction."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} must be called inside the caller's write transaction "
            "(`async with sdk.tenant_transaction(ctx.tenant_id, write=True):`), so that it "
            "commits together with the change that caused it"
        )


def require_transaction(what: str) -> None:
    if not in_transaction():
        raise TransactionRequired(what)


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint violation on either backend."""
    if isinstance(exc, UniqueViolation):
        return True
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return type(exc).__name__ == "UniqueViolationError"


def unique_violation(
    exc: BaseException, column_names: Sequence[str] = ()
) -> UniqueViolation | None:
    """The typed error for a database's unique-constraint violation (None for any other
    error), naming the key's columns when they can be told: SQLite names them; PostgreSQL
    names the index (`<table>_<columns>_key`, as `create_index` makes them), read against
    `column_names`, the table's columns (it hides the key under row-level security)."""
    if isinstance(exc, UniqueViolation):
        return exc
    if not is_unique_violation(exc):
        return None
    if isinstance(exc, sqlite3.IntegrityError):
        # "UNIQUE constraint failed: users.tenant_id, users.email"
        named = str(exc).partition("failed:")[2]
        columns = [part.strip().rpartition(".")[2] for part in named.split(",") if part.strip()]
        return UniqueViolation(columns)
    index = getattr(exc, "constraint_name", None) or ""
    table = getattr(exc, "table_name", None) or ""
    return UniqueViolation(_index_columns(index, table, column_names))


def _index_columns(index: str, table: str, column_names: Sequence[str]) -> list[str]:
    """`users_tenant_id_email_key` of table `users` → ["tenant_id", "email"], or []."""
    middle = index.removeprefix(f"{table}_").removesuffix("_key")
    if not table or middle == index:
        return []
    found: list[str] = []
    while middle:
        name = next(
            (
                n
                for n in sorted(column_names, key=len, reverse=True)
                if middle == n or middle.startswith(n + "_")
            ),
            None,
        )
        if name is None:
            return []
        found.append(name)
        middle = middle[len(name) + 1 :]
    return found


async def ping() -> bool:
    try:
        await engine().run_ddl("SELECT 1")
    except Exception:  # noqa: BLE001 - health reports any failure as "down"
        return False
    return True
