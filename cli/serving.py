"""Running an ASGI app: the HTTP server behind `patron serve` (and the benchmarks).

Two setups, measured in `benchmarks/` (see its README): granian (a Rust HTTP server) and
uvicorn with uvloop and httptools. Both run N worker processes on one port; access
logging is off (one log line per request costs more than a cached request: log at the
proxy). `python -m cli.serving [--server S] [--workers N] [--port P] module:factory` runs
any factory the same way, so that the benchmarks' bare baselines get the same server.
"""

from __future__ import annotations

import argparse

DEFAULT_SERVER = "granian"
SERVERS = ("granian", "uvicorn")


def serve_app(
    target: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    server: str = DEFAULT_SERVER,
) -> None:
    """Serve the app that the factory `target` ("module:function") makes, until stopped."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if server == "granian":
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces, Loops

        Granian(
            target,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            factory=True,
            loop=Loops.uvloop,
            http=HTTPModes.http1,
            websockets=False,
            log_access=False,
        ).serve()
    elif server == "uvicorn":
        import uvicorn

        uvicorn.run(
            target,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http="httptools",
            ws="none",
            access_log=False,
            log_level="info",
        )
    else:
        raise ValueError(f"server must be one of {', '.join(SERVERS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    args = parser.parse_args()
    serve_app(args.target, host=args.host, port=args.port, workers=args.workers, server=args.server)


if __name__ == "__main__":
    main()
