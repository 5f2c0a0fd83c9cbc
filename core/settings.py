"""Process configuration, read once from the environment (api.md §1)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

from core.plugins.loader import parse_allowlist

DATA_DIR = Path(".patron")
WEBHOOK_RETRY_SECONDS = (5, 300, 1800, 7200, 18000, 36000, 36000)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    redis_url: str | None = None
    operator_token: str | None = None
    secret_key: str
    plugins_allowlist: tuple[str, ...] | None = None
    webhook_allow_private: bool = False
    # Delays between delivery attempts of a webhook (Standard Webhooks' schedule, ~24 h).
    webhook_retry_seconds: tuple[int, ...] = WEBHOOK_RETRY_SECONDS
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    signup_rate_per_minute: int = 10
    # PATRON_SCHEDULER=off: no process runs plugin schedules by the clock (the test server's
    # default); they still run on demand (API, `patron schedules run`).
    scheduler: bool = True

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("PATRON_DATABASE_URL")
            or f"sqlite:///{DATA_DIR / 'patron.sqlite'}",
            redis_url=env.get("PATRON_REDIS_URL") or None,
            operator_token=env.get("PATRON_OPERATOR_TOKEN") or None,
            secret_key=env.get("PATRON_SECRET_KEY") or _embedded_secret_key(),
            plugins_allowlist=parse_allowlist(env.get("PATRON_PLUGINS")),
            webhook_allow_private=env.get("PATRON_WEBHOOK_ALLOW_PRIVATE") == "1",
            webhook_retry_seconds=_seconds_list(env.get("PATRON_WEBHOOK_RETRY_SECONDS")),
            stripe_secret_key=env.get("PATRON_STRIPE_SECRET_KEY") or None,
            stripe_webhook_secret=env.get("PATRON_STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=env.get("PATRON_STRIPE_API_BASE") or None,
            signup_rate_per_minute=int(env.get("PATRON_SIGNUP_RATE_PER_MINUTE") or 10),
            scheduler=_switch("PATRON_SCHEDULER", env.get("PATRON_SCHEDULER"), default=True),
        )


def _switch(name: str, raw: str | None, *, default: bool) -> bool:
    """An on/off setting: `on|1|true` or `off|0|false` (any case); unset or empty: default."""
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in {"on", "1", "true", "yes"}:
        return True
    if value in {"off", "0", "false", "no"}:
        return False
    raise ValueError(f"{name} must be on or off, got {raw!r}")


def _seconds_list(raw: str | None) -> tuple[int, ...]:
    """`PATRON_WEBHOOK_RETRY_SECONDS`: a comma list of non-negative whole seconds."""
    if not raw or not raw.strip():
        return WEBHOOK_RETRY_SECONDS
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"PATRON_WEBHOOK_RETRY_SECONDS must be a comma list of seconds, got {raw!r}"
        ) from None
    if any(value < 0 for value in values):
        raise ValueError(f"PATRON_WEBHOOK_RETRY_SECONDS must not be negative, got {raw!r}")
    return values


def _embedded_secret_key() -> str:
    """The embedded default keeps a generated key in `.patron/` so restarts can decrypt."""
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
