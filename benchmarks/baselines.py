"""The two baselines, served exactly as Patron is (`python -m cli.serving`).

- `json_app`: bare Litestar answering `GET /customers/{id}` with a fixed customer-shaped
  JSON document (the body Patron answers for a customer, read from `BENCH_JSON_FILE`);
- `asyncpg_app`: bare Litestar + an asyncpg pool fetching the same row by primary key
  (one statement per request, on `BENCH_DSN`) and answering it as JSON.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
from litestar import Litestar, Response, get

_SELECT = """SELECT id, kind, name, phone, email, gender, birthday, address, region, source,
owner_id, referred_by_id, attributes, created_at, updated_at FROM customers WHERE id = $1"""


def json_app() -> Litestar:
    with open(os.environ["BENCH_JSON_FILE"], "rb") as file:
        document = msgspec.json.decode(file.read())

    @get("/customers/{customer_id:str}")
    async def read(customer_id: str) -> dict[str, Any]:
        return document

    return Litestar([read], debug=False)


def asyncpg_app() -> Litestar:
    import asyncpg

    pool: dict[str, Any] = {}

    async def start() -> None:
        pool["db"] = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=2, max_size=20)

    async def stop() -> None:
        await pool["db"].close()

    @get("/customers/{customer_id:str}")
    async def read(customer_id: str) -> Response[Any]:
        row = await pool["db"].fetchrow(_SELECT, customer_id)
        if row is None:
            return Response({"status": 404}, status_code=404)
        return Response(dict(row))

    return Litestar([read], on_startup=[start], on_shutdown=[stop], debug=False)
