"""The attacker's findings of issue 14, each as a test that failed before its fix.

Run on the shared server, which refuses private destinations (no
`PATRON_WEBHOOK_ALLOW_PRIVATE`), like a production server.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.testing.http import Api, Tenant
from core.testing.server import RunningServer
from tests.support import loopback
from tests.support.database import all_rows_text, execute
from tests.support.expect import created, field_errors, ok
from tests.support.wait import eventually

ID_NUMBER = "110101199001011234"
OTHER_ID_NUMBER = "32010219851231004X"
SECRET = "internal-secret-4f9d2"


# -- 1. the message channels are no way into internal services --------------------------


@pytest.fixture
def internal_service() -> Iterator[str]:
    """A service on loopback that answers every request with a secret and a 500."""

    class Handler(loopback.QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = SECRET.encode()
            self.send_response(500)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

    with loopback.serving(Handler) as url:
        yield url


def test_an_internal_service_cannot_be_a_channel(tenant: Tenant, internal_service: str) -> None:
    port = internal_service.rsplit(":", 1)[1]
    put = tenant.client.put
    for url in (
        internal_service + "/send",
        f"http://localhost:{port}/send",
        f"http://[::1]:{port}/send",
        f"http://[::ffff:127.0.0.1]:{port}/send",
        f"http://[64:ff9b::7f00:1]:{port}/send",
        f"http://[::127.0.0.1]:{port}/send",
        f"http://[2002:7f00:1::1]:{port}/send",
        f"http://[fec0::1]:{port}/send",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.5/send",
    ):
        response = put("/channels/http", json={"config": {"url": url}})
        assert field_errors(response) == ["config.url"], url
    for host in ("127.0.0.1", "localhost", "::1", "10.1.2.3", "169.254.169.254", "fec0::1"):
        config = {"host": host, "port": int(port), "from_address": "crm@example.com"}
        assert field_errors(put("/channels/email", json={"config": config})) == ["config.host"]
    assert ok(tenant.client.get("/channels"))["items"] == []


def test_a_public_gateway_url_is_shown_without_its_secrets(tenant: Tenant) -> None:
    url = "https://sms.example.com/send?token=s3cr3t-token&sender=patron"
    ok(tenant.client.put("/channels/http", json={"config": {"url": url}}))
    shown = ok(tenant.as_role("viewer").get("/channels"))["items"][0]["config"]["url"]
    assert "s3cr3t-token" not in shown and "patron" not in shown
    assert shown == "https://sms.example.com/send?token=********&sender=********"
    with_user = {"url": "https://user:pass@sms.example.com/send"}
    assert field_errors(tenant.client.put("/channels/http", json={"config": with_user})) == [
        "config.url"
    ]


# -- 2. ID numbers are stored nowhere in plain text ---------------------------------------


def test_an_id_number_is_nowhere_in_the_database_in_plain_text(
    server: RunningServer, request: pytest.FixtureRequest, api: Api
) -> None:
    """Through every path that writes it: POST, PATCH, an idempotent POST (whose response
    is stored), with webhooks subscribed and plugins enabled (events fan out)."""
    tenant = api.new_tenant()
    supervisor = tenant.as_role("supervisor")
    # Deliveries are made and kept (and fail: the host does not resolve).
    created(
        tenant.client.post(
            "/webhooks", json={"url": "https://no-such-host.invalid/hook", "events": ["*"]}
        )
    )
    tenant.enable_plugin("gym", {"welcome_task": False})
    tenant.enable_plugin("education")
    first = created(supervisor.post("/customers", json={"name": "甲", "id_number": ID_NUMBER}))
    assert first["id_number"] == ID_NUMBER  # a supervisor sees it whole
    second = created(supervisor.post("/customers", json={"name": "乙"}))
    ok(supervisor.patch(f"/customers/{second['id']}", json={"id_number": OTHER_ID_NUMBER}))
    body = {"name": "丙", "id_number": ID_NUMBER}
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    third = created(supervisor.post("/customers", json=body, headers=key))
    replay = supervisor.post("/customers", json=body, headers=key)
    assert replay.status_code == 201 and replay.json() == third  # still replayed whole
    assert replay.headers["idempotent-replayed"] == "true"

    def all_delivered() -> bool:
        [hook] = ok(tenant.client.get("/webhooks"))["items"]
        items = ok(tenant.client.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 500}))
        types = [d["event_type"] for d in items["items"]]
        return types.count("customer.created") == 3 and "customer.updated" in types

    eventually(all_delivered, timeout=30, what="the events' webhook deliveries")
    stored = all_rows_text(server, request)
    assert ID_NUMBER not in stored and OTHER_ID_NUMBER not in stored
    assert "32010219851231004x" not in stored.lower()


# -- 3. masked phones stay masked ---------------------------------------------------------


def test_an_agent_cannot_recover_a_masked_phone_digit_by_digit(tenant: Tenant) -> None:
    created(tenant.client.post("/customers", json={"name": "Target", "phone": "13812348000"}))
    agent = tenant.as_role("agent")

    def found(client: httpx.Client, q: str) -> int:
        return len(ok(client.get("/customers", params={"q": q}))["items"])

    # The oracle: "+86 138****8000" plus one guessed digit at a time.
    for guess in ("1381", "13812", "138123", "1381234", "12348000", "138"):
        assert found(agent, guess) == 0, guess
    assert found(agent, "13812348000") == 1  # the whole number finds it
    assert found(agent, "+86 138 1234 8000") == 1
    assert found(tenant.client, "1381234") == 1  # a supervisor sees phones whole anyway


@pytest.mark.parametrize("q", ["_", "%", "__", "%%", "\\"])
def test_like_wildcards_in_q_match_only_themselves(tenant: Tenant, q: str) -> None:
    created(tenant.client.post("/customers", json={"name": "Plain Name"}))
    assert ok(tenant.client.get("/customers", params={"q": q}))["items"] == []
    created(tenant.client.post("/customers", json={"name": f"odd {q} name"}))
    names = [c["name"] for c in ok(tenant.client.get("/customers", params={"q": q}))["items"]]
    assert names == [f"odd {q} name"]


# -- 4. the body limit holds before anything reads the body ------------------------------


def test_a_huge_idempotent_post_from_a_viewer_is_413(tenant: Tenant) -> None:
    viewer = tenant.as_role("viewer")
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        chunk = b"x" * (1024 * 1024)
        while sent < 150 * 1024 * 1024:
            sent += len(chunk)
            yield chunk

    headers = {"Idempotency-Key": "big", "content-type": "application/json"}
    # Chunked (no Content-Length): the bytes are counted as they arrive. Buffering it all
    # first took the server half a minute, more than this client waits for an answer.
    response = viewer.post("/customers", content=body(), headers=headers, timeout=20)
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    # A declared length over the limit is refused before a byte is read.
    declared = viewer.post(
        "/customers", content=b"x" * (6 * 1024 * 1024), headers=headers, timeout=20
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"].startswith("application/problem+json")


# -- 5. templates are placeholders only, their size capped -------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{name:>2000000000}",  # a format spec: gigabytes of padding
        "{name!r}",
        "{name.__class__}",
        "{name[0]}",
        "{holiday.__init__.__globals__}",
        "{nobody}",
        "{",
        "x" * 5000,
    ],
)
def test_greeting_template_bombs_are_refused_at_config(tenant: Tenant, template: str) -> None:
    for field in ("birthday_greeting", "holiday_greeting"):
        response = tenant.client.put("/plugins/education", json={"config": {field: template}})
        assert field_errors(response) == [f"config.{field}"], (field, template[:40])


def test_the_gateway_payload_template_is_capped_at_config(tenant: Tenant) -> None:
    put = tenant.client.put
    url = "https://sms.example.com/send"
    bomb = {f"k{i}": "{body}" for i in range(2000)}  # ~20 KB, rendered ~2000 x the body
    assert field_errors(put("/channels/http", json={"config": {"url": url, "template": bomb}})) == [
        "config.template"
    ]
    many = {f"k{i}": "{body}" for i in range(9)}  # small, but nine copies of the body
    assert field_errors(put("/channels/http", json={"config": {"url": url, "template": many}})) == [
        "config.template"
    ]
    spec = {"text": "{body:>999999999}"}
    assert field_errors(put("/channels/http", json={"config": {"url": url, "template": spec}})) == [
        "config.template.text"
    ]
    fine = {"to": "{to}", "msg": {"text": "{body}", "tags": ["crm", "{subject}"]}}
    ok(put("/channels/http", json={"config": {"url": url, "template": fine}}))


# -- 6. inputs that gave a 500 -------------------------------------------------------------

EDGE_TIMES = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-06-01T00:00:00Z",  # the years 1 and 9999 are outside the range as a whole
    "9999-06-01T00:00:00Z",
    253402300800,  # a Unix time in year 10000
    -62135596800,  # a Unix time in year 1
    "2025-01-01T09:00:00",  # naive: ambiguous
]


def test_edge_times_are_422_naming_the_field(tenant: Tenant) -> None:
    c = tenant.client
    customer = created(c.post("/customers", json={"name": "Edge"}))
    for value in EDGE_TIMES:
        assert field_errors(c.post("/tasks", json={"title": "t", "due_at": value})) == ["due_at"]
        interaction = {"channel": "phone", "direction": "inbound", "summary": "s"}
        assert field_errors(
            c.post(
                f"/customers/{customer['id']}/interactions",
                json={**interaction, "occurred_at": value},
            )
        ) == ["occurred_at"]
        payment = {"customer_id": customer["id"], "amount": 100, "kind": "payment"}
        assert field_errors(c.post("/payments", json={**payment, "occurred_at": value})) == [
            "occurred_at"
        ]
        assert field_errors(
            c.post("/customers", json={"name": "x", "provenance": {"collected_at": value}})
        ) == ["provenance.collected_at"]
        if isinstance(value, str):
            assert field_errors(c.get("/tasks", params={"due_before": value})) == ["due_before"]


def test_edge_dates_of_enrolments_are_422(tenant: Tenant) -> None:
    tenant.enable_plugin("education")
    customer = created(tenant.client.post("/customers", json={"name": "Student"}))
    base = {"customer_id": customer["id"], "course": "雅思", "fee": 1}
    for starts, ends, field in (
        ("0001-01-01", "0001-06-30", "starts_on"),
        ("9999-01-01", "9999-12-31", "starts_on"),
        ("2026-01-01", "9999-12-31", "ends_on"),
    ):
        body = {**base, "starts_on": starts, "ends_on": ends}
        response = tenant.client.post("/plugins/education/enrollments", json=body)
        assert field_errors(response) == [field], (starts, ends)


def test_a_forged_timeline_cursor_is_422(tenant: Tenant) -> None:
    import base64
    import json

    customer = created(tenant.client.post("/customers", json={"name": "Cursor"}))
    for key in (
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+01:00",
        "0001-06-01T00:00:00+00:00",
        "2025-01-01T00:00:00",
    ):
        raw = json.dumps([str(uuid.uuid4()), key]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = tenant.client.get(
            f"/customers/{customer['id']}/timeline", params={"cursor": cursor}
        )
        assert field_errors(response) == ["cursor"], key


def test_deep_json_is_a_4xx(tenant: Tenant) -> None:
    """(Every route, the unauthenticated signup's included: tests/http/test_hostile_input.py.)"""
    deep = b"[" * 1000 + b"]" * 1000
    headers = {"content-type": "application/json"}
    response = tenant.client.post("/customers", content=deep, headers=headers)
    assert response.status_code == 400, response.text[:200]
    assert response.headers["content-type"].startswith("application/problem+json")
    # Sixty-four levels are fine where a value may nest (customer attributes).
    nested: Any = 1
    for _ in range(60):
        nested = {"a": nested}
    created(tenant.client.post("/customers", json={"name": "Deep", "attributes": nested}))


# -- 8. smaller points ----------------------------------------------------------------------


def test_a_viewer_cannot_revoke_a_key_whose_user_is_gone(
    server: RunningServer, request: pytest.FixtureRequest, tenant: Tenant
) -> None:
    user = created(
        tenant.client.post(
            "/users",
            json={"name": "Leaver", "email": f"leaver@{tenant.slug}.example.com", "role": "agent"},
        )
    )
    key = created(tenant.client.post(f"/users/{user['id']}/api-keys", json={"label": "old"}))
    execute(server, request, "DELETE FROM users WHERE id = $1", _db_id(server, user["id"]))
    viewer = tenant.as_role("viewer")
    assert viewer.delete(f"/api-keys/{key['id']}").status_code == 403
    assert tenant.client.delete(f"/api-keys/{key['id']}").status_code == 204


def _db_id(server: RunningServer, value: str) -> Any:
    return value if server.database_url.startswith("sqlite") else uuid.UUID(value)


def test_a_suspended_tenant_can_revoke_a_leaked_key(api: Api, tenant: Tenant) -> None:
    leaked = tenant.user_key("agent")
    client = api.client(leaked)
    assert client.get("/tenant").status_code == 200
    [key] = [k for k in _keys_of(tenant) if leaked.startswith(k["prefix"])]
    ok(api.operator().post(f"/platform/tenants/{tenant.id}/suspend"), 200)
    assert tenant.client.post("/customers", json={"name": "x"}).status_code == 423
    assert tenant.client.delete(f"/api-keys/{key['id']}").status_code == 204
    assert client.get("/tenant").status_code == 401


def _keys_of(tenant: Tenant) -> list[dict[str, Any]]:
    users = ok(tenant.client.get("/users", params={"limit": 500}))["items"]
    return [k for u in users for k in ok(tenant.client.get(f"/users/{u['id']}/api-keys"))]


def test_weak_roles_get_404_for_other_tenants_ids_and_403_for_their_own(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    """api.md §2: 404, never 403, for another tenant's id, whatever the role."""
    from tests.http.routes import build_world, openapi_of, tenant_operations

    openapi = openapi_of(tenant.client)
    victim_ids, own_ids = build_world(tenant), build_world(other_tenant)
    viewer = other_tenant.as_role("viewer")
    failures = []
    checked = 0
    for op in tenant_operations(openapi):
        if not op.writes or not op.resource_params:
            continue
        foreign = {**own_ids, **{p: victim_ids[p] for p in op.resource_params}}
        response = op.call(viewer, foreign, body=op.sample_body(own_ids))
        if response.status_code != 404:
            failures.append(f"{op.method} {op.path} foreign: {response.status_code}")
        response = op.call(viewer, own_ids, body=op.sample_body(own_ids))
        if response.status_code != 403:
            failures.append(f"{op.method} {op.path} own: {response.status_code}")
        checked += 1
    assert checked > 10
    assert failures == []


def test_signup_is_limited_across_processes(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, backend: str
) -> None:
    """Two API processes on one Redis and one database: the limit is for both together."""
    from core.jobs.redis import EmbeddedRedis
    from core.testing.server import start_server

    if backend != "sqlite":
        pytest.skip("the limit lives in Redis, whatever the database")
    redis = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    workdir = tmp_path_factory.mktemp("two-apis")
    env = {"PATRON_REDIS_URL": redis.url, "PATRON_SIGNUP_RATE_PER_MINUTE": "3"}
    first = start_server(extra_env=env, workdir=workdir)
    try:
        second = start_server(
            first.database_url,
            extra_env={**env, "PATRON_SECRET_KEY": first.env["PATRON_SECRET_KEY"]},
            workdir=tmp_path_factory.mktemp("two-apis-b"),
        )
        try:
            answers = []
            # Wait for a fresh minute window if this one is about to end.
            if time.time() % 60 > 50:
                time.sleep(61 - time.time() % 60)
            for index in range(8):
                base = (first if index % 2 else second).base_url
                slug = f"rl-{uuid.uuid4().hex[:10]}"
                body = {"name": "Rate", "slug": slug, "admin_email": f"a@{slug}.example.com"}
                answers.append(httpx.post(base + "/api/v1/signup", json=body, timeout=30))
            codes = [r.status_code for r in answers]
            assert codes.count(201) == 3, codes
            assert codes.count(429) == 5, codes
            limited = next(r for r in answers if r.status_code == 429)
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.headers["content-type"].startswith("application/problem+json")
        finally:
            second.stop()
    finally:
        first.stop()
        redis.stop()
