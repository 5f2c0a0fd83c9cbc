"""Which database backends this test run covers.

`PATRON_TEST_BACKENDS` (a comma list of "sqlite", "postgresql") narrows a run,
e.g. `PATRON_TEST_BACKENDS=sqlite` for a quick local one; unset, every backend
runs. `tests/conftest.py` parametrises its `backend` fixture with `BACKENDS`,
and tests that parametrise by backend themselves import it from here.
"""

from __future__ import annotations

import os

import pytest

ALL_BACKENDS = ("sqlite", "postgresql")


def selected_backends() -> list[str]:
    """The backends named in PATRON_TEST_BACKENDS, or all of them."""
    raw = os.environ.get("PATRON_TEST_BACKENDS", "").strip()
    if not raw:
        return list(ALL_BACKENDS)
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown or not chosen:
        raise pytest.UsageError(
            f"PATRON_TEST_BACKENDS={raw!r}: use a comma list of {', '.join(ALL_BACKENDS)}"
        )
    return [name for name in ALL_BACKENDS if name in chosen]


BACKENDS = selected_backends()
