"""Message channels end to end: a plugin queues, the worker sends over real SMTP and HTTP.

A plugin made on the fly (`welcomer`) queues a welcome e-mail (asking twice for the same
cause) and a welcome SMS when a customer is created, and records what `queue_message`
answered on the customer's timeline. The SMTP server (aiosmtpd, with AUTH) and the SMS
gateway (http.server) run in this process on loopback; the API is a real server process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.testing.http import Api, Tenant
from core.testing.postgres import HOST, free_port
from core.testing.server import RunningServer
from tests.support import loopback
from tests.support.expect import field_errors, ok
from tests.support.plugin_dist import install_plugin_module
from tests.support.servers import api_for, own_server
from tests.support.wait import eventually
from tests.support.webhooks import LOOPBACK

SMTP_USER, SMTP_PASSWORD = "mailer", "s3cret-smtp-password"
GATEWAY_TOKEN = "Bearer gateway-token-123"
# Six attempts with 1 s, 2 s, 4 s, 8 s and 16 s between them, on a busy machine.
RETRY_TIMEOUT = 75.0

WELCOMER = """
from core import sdk


async def welcome(ctx, event: sdk.CustomerCreated):
    customer = event.customer
    cid = customer.id
    queued = []
    if customer.email:
        for _ in range(2):  # asked twice (as a redelivered handler would): queued once
            queued.append(await sdk.queue_message(
                ctx, channel="email", to=customer.email, subject="Welcome!",
                body=f"Hello {customer.name}, welcome.", cause_key=f"welcome:{cid}",
                customer_id=cid))
    if customer.phone:
        queued.append(await sdk.queue_message(
            ctx, channel="http", to=customer.phone, subject=None,
            body=f"Welcome, {customer.name}!", cause_key=f"welcome-sms:{cid}",
            customer_id=cid))
    await sdk.record_timeline(ctx, cid, "queued", "welcome queued", data={"queued": queued})


PLUGIN = sdk.PluginDescriptor(name="welcomer", title="Welcomer", version="0.1",
                              subscriptions={"customer.created": welcome})
"""


# -- the SMTP server and the HTTP gateway ---------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[dict[str, Any]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "content": envelope.content.decode("utf-8", "replace"),
            }
        )
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == (SMTP_USER, SMTP_PASSWORD))

    def to(self, address: str) -> list[dict[str, Any]]:
        return [mail for mail in self.mails if address in mail["to"]]


class Gateway:
    """Records every POST; `/ok` answers 200, `/fail` 500."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        gateway = self

        class Handler(loopback.QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length) or b"null"),
                    }
                )
                status = 200 if self.path == "/ok" else 500
                body = b'{"ok": true}' if status == 200 else b"gateway down"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.handler = Handler
        self.url = ""  # its base URL, while the `gateway` fixture serves it

    def to(self, recipient: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if (r["json"] or {}).get("to") == recipient]


@pytest.fixture(scope="module")
def mailbox(backend: str) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server per backend: the tests count what one server's messages delivered."""
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname=HOST,
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def gateway(backend: str) -> Iterator[Gateway]:
    """An SMS gateway per backend, as `mailbox`."""
    gw = Gateway()
    with loopback.serving(gw.handler, HOST) as url:
        gw.url = url
        yield gw


@pytest.fixture(scope="module")
def messaging_server(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server with the welcomer plugin, per backend, on a database of its own."""
    plugins = tmp_path_factory.mktemp("welcomer-plugin")
    install_plugin_module(plugins, "welcomer", WELCOMER)
    with own_server(
        backend,
        request,
        plugins=plugins,
        # The SMTP server and the gateway are on loopback, which the destination guard
        # refuses unless private addresses are allowed (tests only).
        extra_env=LOOPBACK,
        workdir=tmp_path_factory.mktemp(f"messaging-{backend}"),
    ) as running:
        yield running


@pytest.fixture
def mapi(messaging_server: RunningServer) -> Iterator[Api]:
    with api_for(messaging_server) as helper:
        yield helper


# -- helpers ----------------------------------------------------------------------------


def configure_email(tenant: Tenant, port: int, **extra: Any) -> dict[str, Any]:
    config = {
        "host": HOST,
        "port": port,
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
        "from_address": f"crm@{tenant.slug}.example.com",
        "starttls": False,
        **extra,
    }
    return ok(tenant.client.put("/channels/email", json={"config": config}))  # type: ignore[no-any-return]


def configure_http(tenant: Tenant, url: str, **extra: Any) -> dict[str, Any]:
    config = {"url": url, "headers": {"Authorization": GATEWAY_TOKEN}, **extra}
    return ok(tenant.client.put("/channels/http", json={"config": config}))  # type: ignore[no-any-return]


def messages_of(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    return ok(tenant.client.get("/messages", params=params))["items"]  # type: ignore[no-any-return]


def sent_messages(tenant: Tenant, customer_id: str, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]]:
        items = messages_of(tenant, customer_id=customer_id)
        done = len(items) == count and all(m["status"] == "sent" for m in items)
        return items if done else []

    return eventually(probe, what=f"{count} sent messages of customer {customer_id}")


# -- tests ------------------------------------------------------------------------------


def test_welcome_email_and_sms_are_sent_once_and_recorded(
    mapi: Api, mailbox: tuple[Mailbox, int], gateway: Gateway
) -> None:
    box, port = mailbox
    tenant = mapi.new_tenant()
    email = configure_email(tenant, port)
    assert email["config"]["password_set"] is True
    assert "password" not in email["config"] and SMTP_PASSWORD not in json.dumps(email)
    configure_http(tenant, gateway.url + "/ok")
    listed = ok(tenant.client.get("/channels"))["items"]
    assert [c["kind"] for c in listed] == ["email", "http"]
    assert SMTP_PASSWORD not in json.dumps(listed) and "gateway-token" not in json.dumps(listed)
    assert listed[1]["config"]["headers"] == {"Authorization": "********"}
    tenant.enable_plugin("welcomer")

    customer = ok(
        tenant.client.post(
            "/customers",
            json={"name": "Li Lei", "email": "li.lei@example.com", "phone": "13800138000"},
        ),
        201,
    )
    messages = sent_messages(tenant, customer["id"], 2)

    by_channel = {m["channel"]: m for m in messages}
    mail, sms = by_channel["email"], by_channel["http"]
    assert mail["recipient"] == "li.lei@example.com"
    assert mail["cause_key"] == f"welcome:{customer['id']}"
    assert sms["recipient"] == customer["phone"]
    for message in messages:
        assert message["sent_at"] and message["attempts"] == 1 and message["error"] is None

    [received] = eventually(lambda: box.to("li.lei@example.com"), what="the e-mail")
    assert received["from"] == f"crm@{tenant.slug}.example.com"
    assert "Subject: Welcome!" in received["content"]
    assert "Hello Li Lei, welcome." in received["content"]
    assert f"<{mail['id']}@patron>" in received["content"]
    assert (SMTP_USER, SMTP_PASSWORD) in box.logins  # the stored password, decrypted

    [posted] = gateway.to(customer["phone"])
    assert posted["path"] == "/ok"
    assert posted["json"] == {"to": customer["phone"], "subject": "", "body": "Welcome, Li Lei!"}
    assert posted["headers"]["Authorization"] == GATEWAY_TOKEN
    assert posted["headers"]["Idempotency-Key"] == sms["id"]

    # The same cause asked twice: queued once (the second call answered False), sent once.
    timeline = ok(tenant.client.get(f"/customers/{customer['id']}/timeline"))["items"]
    [entry] = [e for e in timeline if e["kind"] == "welcomer.queued"]
    assert entry["data"]["queued"] == [True, False, True]
    time.sleep(1.0)
    assert len(box.to("li.lei@example.com")) == 1 and len(gateway.to(customer["phone"])) == 1
    assert len(messages_of(tenant, customer_id=customer["id"])) == 2

    assert [m["id"] for m in messages_of(tenant, status="sent")] == [m["id"] for m in messages]
    assert messages_of(tenant, status="failed") == []


def test_a_failing_gateway_is_retried_then_failed_with_the_error(
    mapi: Api, gateway: Gateway
) -> None:
    tenant = mapi.new_tenant()
    configure_http(tenant, gateway.url + "/fail")
    tenant.enable_plugin("welcomer")
    customer = ok(
        tenant.client.post("/customers", json={"name": "Han Meimei", "phone": "13900139000"}), 201
    )

    def failed() -> list[dict[str, Any]]:
        return messages_of(tenant, customer_id=customer["id"], status="failed")

    [message] = eventually(failed, timeout=RETRY_TIMEOUT, what="the SMS to fail for good")
    assert message["attempts"] == 6 and message["sent_at"] is None
    # The status only: the gateway's reply ("gateway down") is never read back.
    assert message["error"] == "HTTP 500"
    assert message["next_attempt_at"] is None
    time.sleep(2.0)  # no seventh attempt
    assert len(gateway.to(customer["phone"])) == 6
    assert {r["headers"]["Idempotency-Key"] for r in gateway.to(customer["phone"])} == {
        message["id"]
    }


def test_a_message_without_a_channel_is_recorded_as_not_sent(mapi: Api) -> None:
    tenant = mapi.new_tenant()
    tenant.enable_plugin("welcomer")
    customer = ok(
        tenant.client.post("/customers", json={"name": "No Channel", "email": "nc@example.com"}),
        201,
    )

    def retried() -> list[dict[str, Any]]:
        items = messages_of(tenant, customer_id=customer["id"])
        return items if items and items[0]["attempts"] >= 1 else []

    [message] = eventually(retried, what="a first attempt")
    assert message["status"] == "queued" and message["error"] == "no email channel is configured"


def test_other_tenants_see_neither_messages_nor_channels(
    mapi: Api, mailbox: tuple[Mailbox, int]
) -> None:
    _, port = mailbox
    tenant, other = mapi.new_tenant(), mapi.new_tenant()
    configure_email(tenant, port)
    tenant.enable_plugin("welcomer")
    customer = ok(
        tenant.client.post("/customers", json={"name": "Mine", "email": "mine@example.com"}), 201
    )
    sent_messages(tenant, customer["id"], 1)

    assert messages_of(other) == []
    assert messages_of(other, customer_id=customer["id"]) == []
    assert ok(other.client.get("/channels"))["items"] == []
    assert other.client.get(f"/customers/{customer['id']}/timeline").status_code == 404


def test_channel_config_is_validated_and_admin_only(mapi: Api) -> None:
    tenant = mapi.new_tenant()
    put = tenant.client.put
    base = {"host": "smtp.example.com", "from_address": "crm@example.com"}

    assert field_errors(put("/channels/email", json={"config": {**base, "port": 70000}})) == [
        "config.port"
    ]
    assert field_errors(put("/channels/email", json={"config": {"host": "smtp.example.com"}})) == [
        "config"
    ]
    assert field_errors(
        put("/channels/email", json={"config": {**base, "from_address": "nope"}})
    ) == ["config.from_address"]
    bad_header = {"url": "https://sms.example.com", "headers": {"X-Token": "a\r\nb"}}
    assert field_errors(put("/channels/http", json={"config": bad_header})) == [
        "config.headers[...]"
    ]
    assert field_errors(put("/channels/http", json={"config": {"url": "ftp://x"}})) == [
        "config.url"
    ]
    assert put("/channels/sms", json={"config": {}}).status_code in (400, 404, 422)

    # Omitting the password keeps it; null clears it.
    ok(put("/channels/email", json={"config": {**base, "username": "u", "password": "p"}}))
    kept = ok(put("/channels/email", json={"config": {**base, "username": "u"}, "enabled": False}))
    assert kept["config"]["password_set"] is True and kept["enabled"] is False
    cleared = ok(put("/channels/email", json={"config": {**base, "password": None}}))
    assert cleared["config"]["password_set"] is False

    agent = tenant.as_role("agent")
    assert agent.put("/channels/email", json={"config": base}).status_code == 403
    assert agent.get("/channels").status_code == 200


def test_agents_and_viewers_see_recipients_masked(mapi: Api, gateway: Gateway) -> None:
    tenant = mapi.new_tenant()
    configure_http(tenant, gateway.url + "/ok")
    tenant.enable_plugin("welcomer")
    customer = ok(
        tenant.client.post(
            "/customers",
            json={"name": "Masked", "phone": "13800138123", "email": "wei@example.com"},
        ),
        201,
    )
    eventually(
        lambda: len(messages_of(tenant, customer_id=customer["id"])) == 2,
        what="both messages queued",
    )
    whole = {m["recipient"] for m in messages_of(tenant, customer_id=customer["id"])}
    assert whole == {"+8613800138123", "wei@example.com"}
    for role in ("viewer", "agent"):
        client = tenant.as_role(role)
        shown = {
            m["recipient"]
            for m in ok(client.get("/messages", params={"customer_id": customer["id"]}))["items"]
        }
        assert shown == {"+86 138****8123", "w*i@example.com"}, role
    supervisor = tenant.as_role("supervisor")
    items = ok(supervisor.get("/messages", params={"customer_id": customer["id"]}))["items"]
    assert {m["recipient"] for m in items} == whole


def test_a_refused_smtp_connection_is_recorded_without_details(mapi: Api) -> None:
    """The error names no host, port or system message (no port scan through it)."""
    tenant = mapi.new_tenant()
    configure_email(tenant, free_port())  # nothing listens there
    tenant.enable_plugin("welcomer")
    customer = ok(
        tenant.client.post("/customers", json={"name": "Closed", "email": "c@example.com"}), 201
    )

    def attempted() -> list[dict[str, Any]]:
        items = messages_of(tenant, customer_id=customer["id"])
        return items if items and items[0]["attempts"] >= 1 else []

    [message] = eventually(attempted, what="a first attempt")
    assert message["error"] == "SMTP: could not connect"
