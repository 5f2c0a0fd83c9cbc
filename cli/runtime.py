"""Running async work from the command line against the configured database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.db import PICCOLO_CONF

T = TypeVar("T")

os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Open the database, run `work`, close the database."""
    from core import db

    async def main() -> T:
        await db.start()
        try:
            return await work()
        finally:
            await db.stop()

    return asyncio.run(main())


async def migrate() -> None:
    """Apply every pending migration of the core (and, once loaded, of the plugins)."""
    import contextlib
    import io

    from piccolo.apps.migrations.commands.forwards import run_forwards

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{output.getvalue()}")
