"""A small HTTP/1.1 load generator, run in its own process (`python -m benchmarks.loadgen`).

It reads a JSON job on stdin — target, connections, duration, an optional fixed rate, and
a list of requests to cycle through — and prints one JSON result: requests completed,
errors (transport failures and non-2xx answers), req/s, p50 and p99 latency in ms.

Keep-alive connections on 127.0.0.1 only, pre-encoded requests, and a response parser
that reads only the status line and `Content-Length`, so that one process can drive
several thousand requests a second. With a fixed `rate`, requests are sent on a schedule
and each latency counts from the scheduled time (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

MAX_SECONDS = 120.0
MAX_CONNECTIONS = 256
LOOPBACK = "127.0.0.1"


def encode(method: str, path: str, headers: dict[str, str], body: str | None) -> bytes:
    payload = body.encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"content-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at)
        length = int(lower[at + 15 : end])
        if length:
            await reader.readexactly(length)
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


class Run:
    def __init__(self, job: dict[str, Any]) -> None:
        if job.get("host", LOOPBACK) != LOOPBACK:
            raise SystemExit("the load generator only targets 127.0.0.1")
        self.port = int(job["port"])
        self.duration = min(float(job["duration"]), MAX_SECONDS)
        self.warmup = min(float(job.get("warmup", 1.0)), MAX_SECONDS)
        self.connections = min(int(job["connections"]), MAX_CONNECTIONS)
        self.rate = job.get("rate")
        self.requests = [encode(*r) for r in job["requests"]]
        self.next = 0
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: dict[int, int] = {}

    def pick(self) -> bytes:
        request = self.requests[self.next % len(self.requests)]
        self.next += 1
        return request

    async def connection(self, start: float, end: float) -> None:
        reader, writer = await asyncio.open_connection(LOOPBACK, self.port)
        interval = 1.0 / self.rate if self.rate else 0.0
        try:
            while True:
                if self.rate:
                    planned = start + (self.sent * interval)
                    self.sent += 1
                    now = time.perf_counter()
                    if planned > now:
                        await asyncio.sleep(planned - now)
                    began = planned
                else:
                    began = time.perf_counter()
                if began >= end:
                    return
                try:
                    writer.write(self.pick())
                    status = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status = 0
                    writer.close()
                    reader, writer = await asyncio.open_connection(LOOPBACK, self.port)
                done = time.perf_counter()
                if began >= start + self.warmup:
                    self.latencies.append(done - began)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if not 200 <= status < 300:
                        self.errors += 1
        finally:
            writer.close()

    async def main(self) -> dict[str, Any]:
        self.sent = 0
        start = time.perf_counter()
        end = start + self.warmup + self.duration
        await asyncio.gather(*(self.connection(start, end) for _ in range(self.connections)))
        measured = time.perf_counter() - start - self.warmup
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0.0

        return {
            "requests": len(lat),
            "errors": self.errors,
            "rps": len(lat) / measured if measured > 0 else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def main() -> None:
    job = json.load(sys.stdin)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(Run(job).main())))


if __name__ == "__main__":
    main()
