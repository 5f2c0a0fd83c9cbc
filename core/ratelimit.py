"""A fixed-window rate limit shared by every process through Redis.

API processes are stateless and run side by side, so a limit kept in one process's memory
would allow N times the limit with N processes. Each window is a Redis counter
(`INCR`, with an expiry) named after the limit, the client and the window's number; the
first `limit` hits of a window pass, the rest get 429 with `Retry-After`. Redis is the
jobs' Redis (`PATRON_REDIS_URL`, or the embedded one `serve` starts). Only when Redis
cannot be reached does a process fall back to counting in its own memory.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import problem_document

log = logging.getLogger("patron.ratelimit")


class FixedWindowLimit:
    """`limit` hits per `period` seconds per client."""

    def __init__(
        self, name: str, limit: int, period: int = 60, clock: Callable[[], float] = time.time
    ) -> None:
        self.name = name
        self.limit = limit
        self.period = period
        self.clock = clock
        self._redis: Redis | None = None
        self._redis_for: str | None = None
        self._memory: dict[tuple[str, int], int] = {}

    async def hit(self, client: str, redis_url: str | None) -> int | None:
        """Count a hit in the store at `redis_url` (None: in memory); None when it is
        allowed, else the seconds until the next window."""
        now = self.clock()
        window = int(now // self.period)
        key = f"patron:ratelimit:{self.name}:{client}:{window}"
        count = await self._count(key, window, redis_url)
        if count <= self.limit:
            return None
        return max(1, math.ceil((window + 1) * self.period - now))

    async def _count(self, key: str, window: int, redis_url: str | None) -> int:
        redis = self._client(redis_url)
        if redis is not None:
            try:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.incr(key)
                    pipe.expire(key, self.period * 2)
                    count, _ = await pipe.execute()
                return int(count)
            except (RedisError, OSError) as exc:
                log.warning("rate limit %s: no Redis, counting in memory (%s)", self.name, exc)
        for stale in [k for k in self._memory if k[1] < window]:
            del self._memory[stale]
        self._memory[(key, window)] = self._memory.get((key, window), 0) + 1
        return self._memory[(key, window)]

    def _client(self, url: str | None) -> Redis | None:
        if url is None:
            return None
        if self._redis is None or self._redis_for != url:
            self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            self._redis_for = url
        return self._redis


class RateLimitMiddleware(ASGIMiddleware):
    """Applies a `FixedWindowLimit` per client address to the routes it wraps."""

    def __init__(self, limit: FixedWindowLimit) -> None:
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        client = (scope.get("client") or ("unknown", 0))[0]
        retry_after = await self.limit.hit(str(client), app_redis_url(scope["app"]))
        if retry_after is None:
            await next_app(scope, receive, send)
            return
        body = msgspec.json.encode(
            problem_document(
                429, "Too many requests", f"Try again in {retry_after} s.", "too-many-requests"
            )
        )
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def app_redis_url(app: Any) -> str | None:
    """The Redis of the app's jobs (`core.jobs.service.JobService.redis_url`)."""
    jobs = app.state.get("jobs")
    return None if jobs is None else jobs.redis_url
