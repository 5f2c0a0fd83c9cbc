"""How commands print: rich for people, one JSON document for machines, errors on stderr."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err = Console(stderr=True)


def print_json(value: Any) -> None:
    """One JSON document on stdout (msgspec encodes Structs, UUIDs and times)."""
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def fail(message: str) -> NoReturn:
    """Print `error: message` on stderr and exit with status 1."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(1)
