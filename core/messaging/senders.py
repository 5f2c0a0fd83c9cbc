"""Senders: one message out over SMTP or to an HTTP gateway. A sender raises `SendError`
with a short, fixed reason when the message did not go out: never the remote's reply (a
tenant could point a channel at an internal service and read its answers back through
`GET /messages`), only a status code or the kind of failure.

Both connect only through `core.net.destinations`: the host is resolved once, checked,
and the connection goes to the checked address.
"""

from __future__ import annotations

import email.message
import email.utils
from typing import Any

import aiosmtplib
import httpx

from core.messaging.templates import render_json_template
from core.net.destinations import (
    Resolver,
    UnsafeDestination,
    failure_reason,
    pinned_client,
    resolve,
    resolve_url,
)

USER_AGENT = "Patron-Messages/1"


class SendError(Exception):
    """The message was not sent; `str()` is what the record shows."""


async def send_email(
    config: dict[str, Any],
    password: str | None,
    message: dict[str, Any],
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
) -> None:
    """`config` is a stored EmailConfig (without the password, decrypted by the caller)."""
    try:
        destination = await resolve(
            config["host"], config["port"], allow_private=allow_private, resolver=resolver
        )
    except UnsafeDestination as exc:
        raise SendError(f"not sent: {exc}") from None
    mail = email.message.EmailMessage()
    mail["From"] = config["from_address"]
    mail["To"] = message["recipient"]
    mail["Subject"] = message["subject"] or ""
    mail["Date"] = email.utils.formatdate(usegmt=True)
    # Stable per message: a receiver can drop the duplicate of a send retried after a crash.
    mail["Message-ID"] = f"<{message['id']}@patron>"
    mail.set_content(message["body"])
    smtp = aiosmtplib.SMTP(
        hostname=str(destination.address),
        port=destination.port,
        timeout=config.get("timeout", 30.0),
        start_tls=False,
    )
    try:
        await smtp.connect()
        if config.get("starttls"):
            # The certificate is checked against the configured name, not the address.
            await smtp.starttls(server_hostname=destination.host)
        if config.get("username"):
            await smtp.login(config["username"], password or "")
        await smtp.send_message(mail)
    except aiosmtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.code}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendError(f"SMTP: {failure_reason(exc)}") from None
    finally:
        if smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                smtp.close()


async def send_http(
    config: dict[str, Any],
    headers: dict[str, str],
    message: dict[str, Any],
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """POST the message as JSON; any 2xx is a success. The reply is never read."""
    fields = {
        "to": message["recipient"],
        "subject": message["subject"] or "",
        "body": message["body"],
    }
    payload = render_json_template(config["template"], fields) if config.get("template") else fields
    try:
        destination = await resolve_url(
            config["url"], allow_private=allow_private, resolver=resolver
        )
    except UnsafeDestination as exc:
        raise SendError(f"not sent: {exc}") from None
    try:
        async with (
            pinned_client(
                destination, timeout=config.get("timeout", 30.0), inner=transport
            ) as client,
            client.stream(
                "POST",
                config["url"],
                json=payload,
                headers={
                    "User-Agent": USER_AGENT,
                    **headers,
                    # The same for every attempt of a message: gateways that support it dedupe.
                    "Idempotency-Key": str(message["id"]),
                },
            ) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as exc:
        raise SendError(f"HTTP: {failure_reason(exc)}") from None
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
