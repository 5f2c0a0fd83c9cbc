"""The tenant-scoped repository base: the only way code reaches tenant rows.

A repository is constructed with a tenant id and every query it builds is filtered by
it; there is no method that takes a row id without the tenant. A test walks the source
tree and fails when a tenant table is queried anywhere else.

Rows come back as one shape on both databases, JSON columns decoded and timestamps aware
(`core.tenancy.rows`), whether a helper here or the caller ran the `select()`. Writes that
break a unique key raise `UniqueViolation` on both databases, and aggregates come back as
one Python type on both (`core.tenancy.aggregates`).
"""

from __future__ import annotations

import datetime
import enum
import functools
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Generic, TypeVar

import msgspec
from piccolo.columns import JSON, Column
from piccolo.columns.combination import Where, WhereRaw
from piccolo.query import Count, Delete, Select, Update
from piccolo.utils.sql_values import convert_to_sql_value

from core.db import fetch_postgres, is_postgres, unique_violation
from core.ids import uuid7
from core.pagination import Cursor, Page
from core.tenancy.aggregates import normalise
from core.tenancy.rows import RowShape, decode_columns
from core.tenancy.tables import TenantTable

T = TypeVar("T", bound=TenantTable)
BULK = 10_000  # rows per statement of a bulk insert on PostgreSQL
SQLITE_ROWS = 500  # and on SQLite, within its limit of bind parameters


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@asynccontextmanager
async def _typed_unique_errors(table: type[TenantTable]) -> AsyncIterator[None]:
    """A database's unique-constraint error, raised as `UniqueViolation`."""
    try:
        yield
    except Exception as exc:
        typed = unique_violation(exc, [c._meta.db_column_name for c in table._meta.columns])
        if typed is None or typed is exc:
            raise
        raise typed from exc


class TenantRepository(Generic[T]):
    table: ClassVar[type[TenantTable]]

    def __init__(self, tenant_id: uuid.UUID) -> None:
        if not isinstance(tenant_id, uuid.UUID):
            raise TypeError("a repository needs the tenant's UUID")
        self.tenant_id = tenant_id

    # -- query builders, always tenant-filtered -----------------------------------------
    def _mine(self) -> Where:
        return self.table.tenant_id == self.tenant_id

    def select(self, *columns: Any) -> Select:
        """The tenant's rows; JSON columns among `columns` come back decoded."""
        query = self.table.select(*columns).where(self._mine())
        names = RowShape.of(self.table).selected_json(query.columns_delegate.selected_columns)
        return query.callback(functools.partial(decode_columns, names)) if names else query

    def count(self) -> Count:
        return self.table.count().where(self._mine())

    def update_where(self, values: dict[Any, Any]) -> Update:
        return self.table.update(values).where(self._mine())

    def delete_where(self) -> Delete:
        return self.table.delete().where(self._mine())

    # -- row operations -----------------------------------------------------------------
    async def get(self, row_id: uuid.UUID | None, *where: Where | WhereRaw) -> dict | None:
        if row_id is None:
            return None
        if not where and is_postgres():
            return await self._get_by_sql(row_id)
        rows = await self.select().where(self.table.id == row_id, *where).first()
        return rows

    async def _get_by_sql(
        self, row_id: uuid.UUID, condition: str = "", extra: str = ""
    ) -> dict | None:
        """`get` on PostgreSQL as a statement built once per table (`condition`: a constant
        SQL fragment such as `AND "deleted_at" IS NULL`; `extra`: constant SQL for more
        columns, e.g. a subquery); the same row as `select()`."""
        statement = self._get_statement(condition, extra)
        rows = await fetch_postgres(statement, self.tenant_id, row_id)
        return decode_columns(RowShape.of(self.table).json, rows[0]) if rows else None

    async def first_by(self, **equal: Any) -> dict | None:
        """The first row whose columns equal the given values (a list or tuple: any of its
        values). On PostgreSQL a statement built once per table and set of columns, instead
        of a Piccolo query built on every call; elsewhere a Piccolo query."""
        if not is_postgres():
            conditions = [
                self.table._meta.get_column_by_name(k).is_in(list(v))
                if isinstance(v, list | tuple)
                else self.table._meta.get_column_by_name(k) == v
                for k, v in equal.items()
            ]
            return await self.select().where(*conditions).first()
        shape = tuple((k, isinstance(v, list | tuple)) for k, v in equal.items())
        statement = self._first_by_statement(shape)
        pairs = zip(shape, equal.values(), strict=True)
        values = [list(v) if many else v for (_, many), v in pairs]
        rows = await fetch_postgres(statement, self.tenant_id, *values)
        return decode_columns(RowShape.of(self.table).json, rows[0]) if rows else None

    @classmethod
    def _first_by_statement(cls, shape: tuple[tuple[str, bool], ...]) -> str:
        cache = cls.__dict__.get("_first_statements")
        if cache is None:
            cache = {}
            setattr(cls, "_first_statements", cache)  # noqa: B010 - per subclass
        sql = cache.get(shape)
        if sql is None:
            meta = cls.table._meta
            columns = ", ".join(
                f'"{c._meta.db_column_name}" AS "{c._meta.name}"' for c in meta.columns
            )
            where = "".join(
                f' AND "{meta.get_column_by_name(name)._meta.db_column_name}" = '
                + ("ANY({})" if many else "{}")
                for name, many in shape
            )
            sql = (
                f'SELECT {columns} FROM "{meta.tablename}" WHERE "tenant_id" = {{}}{where} LIMIT 1'
            )
            cache[shape] = sql
        return sql

    @classmethod
    def _get_statement(cls, condition: str, extra: str = "") -> str:
        cache = cls.__dict__.get("_statements")
        if cache is None:
            cache = {}
            setattr(cls, "_statements", cache)  # noqa: B010 - per subclass, not inherited
        sql = cache.get((condition, extra))
        if sql is None:
            columns = ", ".join(
                f'"{c._meta.db_column_name}" AS "{c._meta.name}"' for c in cls.table._meta.columns
            )
            if extra:
                columns += ", " + extra
            sql = (
                f'SELECT {columns} FROM "{cls.table._meta.tablename}" '
                f'WHERE "tenant_id" = {{}} AND "id" = {{}} {condition} LIMIT 1'
            )
            cache[(condition, extra)] = sql
        return sql

    @classmethod
    def _insert_statement(cls) -> str:
        """`insert` on PostgreSQL: every column, a statement built once per table (Piccolo
        builds its query again on every call, the larger part of a write's CPU)."""
        sql = cls.__dict__.get("_insert_sql")
        if sql is None:
            columns = cls.table._meta.columns
            names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
            places = ", ".join("{}" for _ in columns)
            sql = f'INSERT INTO "{cls.table._meta.tablename}" ({names}) VALUES ({places})'
            setattr(cls, "_insert_sql", sql)  # noqa: B010 - per subclass, not inherited
        return sql

    async def get_for_update(
        self, row_id: uuid.UUID | None, *where: Where | WhereRaw
    ) -> dict | None:
        """`get`, with the row locked until commit on PostgreSQL (SQLite serialises writers)."""
        if row_id is None:
            return None
        return await self.locking(self.select().where(self.table.id == row_id, *where)).first()

    @staticmethod
    def locking(query: Select) -> Select:
        """`query` with its rows locked until commit on PostgreSQL (SQLite serialises
        writers: a write transaction there already excludes every other)."""
        return query.lock_rows() if is_postgres() else query

    async def exists(self, row_id: uuid.UUID | None, *where: Where | WhereRaw) -> bool:
        return row_id is not None and await self.get(row_id, *where) is not None

    async def insert(self, **values: Any) -> dict:
        values.setdefault("id", uuid7())
        values["tenant_id"] = self.tenant_id
        row = self.table(**{k: v for k, v in values.items()})  # with the columns' defaults
        async with _typed_unique_errors(self.table):
            if is_postgres():
                columns = self._columns()
                values_in = [_sql_value(row[column._meta.name], column) for column in columns]
                await fetch_postgres(self._insert_statement(), *values_in)
            else:
                await self.table.insert(row)
        stored = {column._meta.name: getattr(row, column._meta.name) for column in self._columns()}
        return RowShape.of(self.table).normalise(stored)  # the values as given, typed as read

    async def insert_many(
        self, rows: Sequence[dict[str, Any]], *, skip_existing: bool = False
    ) -> None:
        """Insert `rows`; `skip_existing`: a row that would break a unique index is left out
        (`ON CONFLICT DO NOTHING`) instead of failing the statement.

        On PostgreSQL the rows go in one statement per `BULK` rows, each column passed as one
        array (`INSERT … SELECT … FROM unnest(…)`): building a Piccolo object per row costs
        far more than the database's work once there are thousands of them."""
        postgres = is_postgres()
        step = BULK if postgres else SQLITE_ROWS
        for start in range(0, len(rows), step):
            batch = rows[start : start + step]
            if postgres:
                async with _typed_unique_errors(self.table):
                    await self._insert_arrays(batch, skip_existing)
                continue
            query = self.table.insert(
                *(
                    self.table(**{**r, "id": r.get("id") or uuid7(), "tenant_id": self.tenant_id})
                    for r in batch
                )
            )
            async with _typed_unique_errors(self.table):
                await (query.on_conflict(action="DO NOTHING") if skip_existing else query)

    async def _insert_arrays(self, rows: Sequence[dict[str, Any]], skip_existing: bool) -> None:
        columns = self._columns()
        names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
        arrays = ", ".join("{}::" + column.column_type.split("(")[0] + "[]" for column in columns)
        values = [self._column_values(column, rows) for column in columns]
        conflict = " ON CONFLICT DO NOTHING" if skip_existing else ""
        sql = f'INSERT INTO "{self.table._meta.tablename}" ({names}) SELECT * FROM unnest({arrays})'
        await self.table.raw(sql + conflict, *values)

    def _column_values(self, column: Column, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """One column of `rows`, as the database takes it (the default where a row has none:
        computed once, so a batch shares its `now`)."""
        name = column._meta.name
        if name == "tenant_id":
            return [self.tenant_id] * len(rows)
        if name == "id":
            return [row.get("id") or uuid7() for row in rows]
        default = column.get_default_value()
        values = [row.get(name, default) for row in rows]
        if isinstance(column, JSON):
            return [v if v is None or isinstance(v, str) else _json(v) for v in values]
        return [v.value if isinstance(v, enum.Enum) else v for v in values]

    async def update(self, row_id: uuid.UUID, values: dict[str, Any]) -> dict | None:
        if values:
            columns = {self.table._meta.get_column_by_name(k): v for k, v in values.items()}
            async with _typed_unique_errors(self.table):
                await self.update_where(columns).where(self.table.id == row_id)
        return await self.get(row_id)

    async def delete(self, row_id: uuid.UUID) -> None:
        await self.delete_where().where(self.table.id == row_id)

    async def page(
        self,
        *where: Where | WhereRaw,
        limit: int,
        cursor: Cursor | None,
        newest_first: bool = False,
        order_column: Column | None = None,
    ) -> Page[dict]:
        """A keyset page ordered by (order_column, id): stable under concurrent inserts."""
        order = order_column if order_column is not None else self.table.id
        query = self.select().where(*where)
        if cursor is not None:
            query = query.where(_after(order, self.table.id, cursor, newest_first))
        query = query.order_by(order, ascending=not newest_first)
        if order is not self.table.id:
            query = query.order_by(self.table.id, ascending=not newest_first)
        rows = await query.limit(limit + 1)
        return Page.from_rows(rows, limit, order._meta.name)

    async def aggregate(self, *where: Where | WhereRaw, **aggregates: Any) -> dict[str, Any]:
        """One row of aggregates over the tenant's rows matching `where`, each as one Python
        type on every database (see `core.tenancy.aggregates`), e.g.
        `await repo.aggregate(Payment.customer_id == cid, paid=Sum(Payment.amount),
        last=Max(Payment.occurred_at))` → `{"paid": 0, "last": None}` over no rows."""
        [row] = await self._aggregate_query((), where, aggregates)
        return {name: normalise(fn, row[name]) for name, fn in aggregates.items()}

    async def aggregate_by(
        self, group_by: Column | Sequence[Column], *where: Where | WhereRaw, **aggregates: Any
    ) -> list[dict[str, Any]]:
        """`aggregate` per group: one dict per distinct value of the `group_by` column(s), with
        those columns' values and the aggregates, e.g.
        `aggregate_by(Payment.customer_id, total=Sum(Payment.amount))`."""
        groups = (group_by,) if isinstance(group_by, Column) else tuple(group_by)
        rows = await self._aggregate_query(groups, where, aggregates).group_by(*groups)
        return [
            {
                **{column._meta.name: row[column._meta.name] for column in groups},
                **{name: normalise(fn, row[name]) for name, fn in aggregates.items()},
            }
            for row in rows
        ]

    def _aggregate_query(
        self, groups: Sequence[Column], where: Sequence[Any], aggregates: dict[str, Any]
    ) -> Select:
        if not aggregates:
            raise ValueError("name at least one aggregate, e.g. total=Sum(Table.amount)")
        selected = [fn.as_alias(name) for name, fn in aggregates.items()]
        return self.select(*groups, *selected).where(*where)

    def _columns(self) -> list[Column]:
        return self.table._meta.columns


_PLAIN_TYPES = frozenset({str, int, float, bool, uuid.UUID, datetime.datetime, datetime.date})


def _sql_value(value: Any, column: Column) -> Any:
    """A row's value as the database takes it, as Piccolo's `convert_to_sql_value` makes
    it, without that function's imports on every call for the plain values that nearly
    all are."""
    if value is None or (type(value) in _PLAIN_TYPES and not isinstance(column, JSON)):
        return value
    return convert_to_sql_value(value, column)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _after(order: Column, id_column: Column, cursor: Cursor, newest_first: bool) -> Where | Any:
    if order is id_column:
        return id_column < cursor.last_id if newest_first else id_column > cursor.last_id
    if newest_first:
        return (order < cursor.last_key) | (
            (order == cursor.last_key) & (id_column < cursor.last_id)
        )
    return (order > cursor.last_key) | ((order == cursor.last_key) & (id_column > cursor.last_id))
