"""`sdk.month_bounds`: a `YYYY-MM` parameter as its first and last day, or a 422."""

from __future__ import annotations

import datetime

import pytest

from core import sdk

D = datetime.date


@pytest.mark.parametrize(
    ("month", "bounds"),
    [
        ("2024-02", (D(2024, 2, 1), D(2024, 2, 29))),  # a leap year
        ("2026-02", (D(2026, 2, 1), D(2026, 2, 28))),
        ("2026-12", (D(2026, 12, 1), D(2026, 12, 31))),
    ],
)
def test_a_month_is_its_first_and_last_day(month: str, bounds: tuple[D, D]) -> None:
    assert sdk.month_bounds(month) == bounds


@pytest.mark.parametrize("month", ["2026-13", "2026", "26-02", "February", ""])
def test_anything_else_is_invalid_input_naming_the_field(month: str) -> None:
    with pytest.raises(sdk.InvalidInput) as raised:
        sdk.month_bounds(month, field="period")
    assert [e["field"] for e in raised.value.errors] == ["period"]
