"""Aggregate results as one Python type on every database.

SQLite answers `MAX` of a timestamp with text and `SUM` of no rows with NULL; PostgreSQL
answers `SUM` of a bigint with a Decimal and `AVG` with a Decimal. `TenantRepository.aggregate`
passes each value through `normalise`, so plugins see the same types on both:

| aggregate | result |
| --- | --- |
| `Count()` | int |
| `Sum(col)` | int for integer columns (0 over no rows), Decimal for Numeric, float for Real |
| `Avg(col)` | float (Decimal for Numeric), None over no rows |
| `Min(col)`, `Max(col)` | the column's type (Timestamptz: aware datetime), None over no rows |
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    Column,
    Date,
    DoublePrecision,
    Integer,
    Numeric,
    Real,
    SmallInt,
    Time,
    Timestamp,
    Timestamptz,
)
from piccolo.query.functions.aggregate import Avg, Count, Max, Min, Sum

from core.tenancy.rows import aware

Aggregate = Count | Sum | Avg | Min | Max
INTEGERS = (Integer, BigInt, SmallInt)
FLOATS = (Real, DoublePrecision)


def column_of(aggregate: Any) -> Column | None:
    """The column an aggregate reads (None for `Count()`)."""
    columns = getattr(aggregate, "columns", None) or ()
    return next((column for column in columns if isinstance(column, Column)), None)


def _as_column_type(column: Column, value: Any) -> Any:
    if isinstance(column, Timestamptz):
        return aware(
            value if isinstance(value, datetime.datetime) else _datetime(value)
        ).astimezone(datetime.UTC)
    if isinstance(column, Timestamp):
        return value if isinstance(value, datetime.datetime) else _datetime(value)
    if isinstance(column, Date):
        if isinstance(value, datetime.datetime):
            return value.date()
        return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    if isinstance(column, Time):
        return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value)
    if isinstance(column, INTEGERS):
        return int(value)
    if isinstance(column, Numeric):
        return decimal.Decimal(str(value))
    if isinstance(column, FLOATS):
        return float(value)
    if isinstance(column, Boolean):
        return bool(value)
    if isinstance(column, UUID):
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    return value


def _datetime(value: Any) -> datetime.datetime:
    return datetime.datetime.fromisoformat(str(value))


def normalise(aggregate: Any, value: Any) -> Any:
    """`value`, as the database returned it for `aggregate`, in the type of the table above."""
    if isinstance(aggregate, Count):
        return int(value or 0)
    column = column_of(aggregate)
    if isinstance(aggregate, Sum):
        if value is None:
            value = 0
        if column is None or isinstance(column, INTEGERS):
            return int(value)
        if isinstance(column, Numeric):
            return decimal.Decimal(str(value))
        return float(value)
    if value is None:
        return None
    if isinstance(aggregate, Avg):
        if isinstance(column, Numeric):
            return decimal.Decimal(str(value))
        return float(value)
    if column is None:
        return value
    return _as_column_type(column, value)
