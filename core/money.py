"""Money: integer minor units plus an ISO 4217 currency code."""

from __future__ import annotations

import pycountry

from core.errors import InvalidInput


def check_currency(code: str | None, field: str = "currency") -> None:
    """Refuse codes that are shaped like ISO 4217 but are not in it ("ZZZ")."""
    if code is not None and pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput([(field, f"{code!r} is not an ISO 4217 currency code")])


MINOR_UNIT_EXPONENTS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def major_units(amount: int, currency: str) -> str:
    """`12345` CNY → `123.45`; zero- and three-decimal currencies per ISO 4217."""
    exponent = MINOR_UNIT_EXPONENTS.get(currency, 2)
    if exponent == 0:
        return str(amount)
    whole, fraction = divmod(amount, 10**exponent)
    return f"{whole}.{fraction:0{exponent}d}"
