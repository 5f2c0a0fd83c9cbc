"""Senders: one message out over SMTP or to an HTTP gateway. A sender raises `SendError`
with a short, secret-free reason when the message did not go out."""

from __future__ import annotations

import email.message
import email.utils
from typing import Any

import aiosmtplib
import httpx

USER_AGENT = "Patron-Messages/1"


class SendError(Exception):
    """The message was not sent; `str()` is what the record shows."""


async def send_email(config: dict[str, Any], password: str | None, message: dict[str, Any]) -> None:
    """`config` is a stored EmailConfig (without the password, decrypted by the caller)."""
    mail = email.message.EmailMessage()
    mail["From"] = config["from_address"]
    mail["To"] = message["recipient"]
    mail["Subject"] = message["subject"] or ""
    mail["Date"] = email.utils.formatdate(usegmt=True)
    # Stable per message: a receiver can drop the duplicate of a send retried after a crash.
    mail["Message-ID"] = f"<{message['id']}@patron>"
    mail.set_content(message["body"])
    try:
        await aiosmtplib.send(
            mail,
            hostname=config["host"],
            port=config["port"],
            username=config.get("username") or None,
            password=password if config.get("username") else None,
            start_tls=bool(config.get("starttls")),
            timeout=config.get("timeout", 30.0),
        )
    except aiosmtplib.SMTPException as exc:
        raise SendError(f"SMTP: {type(exc).__name__}: {exc}"[:1000]) from exc
    except OSError as exc:
        raise SendError(
            f"SMTP connection to {config['host']}:{config['port']} failed: {exc}"[:1000]
        ) from exc


def render(template: Any, fields: dict[str, str]) -> Any:
    """The template with `{to}`, `{subject}` and `{body}` replaced in every string (plain
    replacement: no format mini-language, so a message cannot reach other values)."""
    if isinstance(template, str):
        for name, value in fields.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {key: render(value, fields) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, fields) for value in template]
    return template


async def send_http(
    config: dict[str, Any], headers: dict[str, str], message: dict[str, Any]
) -> None:
    """POST the message as JSON; any 2xx is a success."""
    fields = {
        "to": message["recipient"],
        "subject": message["subject"] or "",
        "body": message["body"],
    }
    payload = render(config["template"], fields) if config.get("template") else fields
    try:
        async with httpx.AsyncClient(
            timeout=config.get("timeout", 30.0), follow_redirects=False
        ) as client:
            response = await client.post(
                config["url"],
                json=payload,
                headers={
                    "User-Agent": USER_AGENT,
                    **headers,
                    # The same for every attempt of a message: gateways that support it dedupe.
                    "Idempotency-Key": str(message["id"]),
                },
            )
    except httpx.HTTPError as exc:
        raise SendError(f"HTTP: {type(exc).__name__}: {exc}"[:1000]) from exc
    if not response.is_success:
        raise SendError(f"HTTP {response.status_code}: {response.text[:500]}")
