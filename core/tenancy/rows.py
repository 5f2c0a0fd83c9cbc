"""Rows as one Python shape on both databases: JSON columns decoded, timestamps aware (UTC).

Both databases hand a JSON column back as text (Piccolo on SQLite and PostgreSQL, asyncpg
in `fetch_postgres` alike). A timestamptz column comes back aware on both (asyncpg's codec,
Piccolo's SQLite converter), but a row `insert` returns holds the values as the caller
passed them. With its table's `RowShape` (worked out once) `TenantRepository` decodes the
JSON columns of every row it reads (the timestamps need nothing there: no per-row cost) and
shapes the row `insert` returns whole, so callers read `row["attributes"]` as a dict and
compare `row["created_at"]` with `utcnow()` without a helper of their own. `json_value` and
`aware` are for the values that are not columns of a tenant row (a JSON document kept in
a text column, a platform table's row).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from typing import Any, overload

import msgspec
from piccolo.columns import JSON, Timestamptz
from piccolo.table import Table


def json_value(value: Any) -> Any:
    """A JSON document as Python values (text or bytes decoded; anything else as it is)."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


@overload
def aware(moment: None) -> None: ...
@overload
def aware(moment: datetime.datetime | str) -> datetime.datetime: ...
@overload
def aware(moment: Any) -> datetime.datetime | None: ...
def aware(moment: Any) -> datetime.datetime | None:
    """A timestamp as an aware datetime: ISO text parsed, a naive one taken as UTC (as
    SQLite keeps them); None stays None."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if isinstance(moment, datetime.datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment


class RowShape:
    """What a table's rows need: its JSON columns decoded and its timestamptz columns aware."""

    __slots__ = ("json", "moments")

    def __init__(self, table: type[Table]) -> None:
        self.json = tuple(column._meta.name for column in table._meta.json_columns)
        self.moments = tuple(
            column._meta.name for column in table._meta.columns if isinstance(column, Timestamptz)
        )

    @staticmethod
    @functools.cache
    def of(table: type[Table]) -> RowShape:
        return RowShape(table)

    def selected_json(self, columns: Iterable[Any]) -> tuple[str, ...]:
        """The names the table's JSON columns have among a select's `columns` (all of them
        when it names none: `select()` is every column)."""
        columns = list(columns)
        if not columns:
            return self.json
        return tuple(
            column._alias or column._meta.name
            for column in columns
            if isinstance(column, JSON) and not column._meta.call_chain
        )

    def normalise(self, row: dict[str, Any]) -> dict[str, Any]:
        """`row` with its JSON columns decoded and its timestamps aware (in place)."""
        decode_columns(self.json, row)
        for name in self.moments:
            if name in row:
                row[name] = aware(row[name])
        return row


def decode_columns(names: tuple[str, ...], rows: Any) -> Any:
    """`rows` (a list of rows, one row, or None) with the `names` columns decoded, in place;
    as a select's callback, which gets a list, or one row of `.first()`."""
    for row in rows if isinstance(rows, list) else (rows,) if rows is not None else ():
        for name in names:
            value = row.get(name)
            if isinstance(value, str | bytes):
                row[name] = msgspec.json.decode(value)
    return rows
