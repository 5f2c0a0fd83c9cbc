"""The event catalogue and the descriptor's events, subscriptions and import paths are
checked when a plugin loads; a handler's annotation decides what its event decodes into."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any, ClassVar

import msgspec
import pytest

from core import sdk
from core.catalogue import CORE_EVENTS, Catalogue, encode
from core.plugins.descriptor import PluginDescriptor, PluginError, load_resource
from core.plugins.host import PluginHost
from core.plugins.subscriptions import subscription_of

NOW = datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)


class Stamped(sdk.Event, frozen=True):
    type: ClassVar[str] = "stamps.stamped"
    customer_id: uuid.UUID
    count: int


def descriptor(**overrides: Any) -> PluginDescriptor:
    return PluginDescriptor(name="stamps", title="Stamps", version="1.0.0", **overrides)


def test_an_event_must_be_named() -> None:
    with pytest.raises(TypeError, match="ClassVar"):

        class Nameless(sdk.Event, frozen=True):  # noqa: F841 - defining it is the test
            count: int


def test_events_are_frozen_and_their_payload_is_json() -> None:
    customer_id = uuid.uuid4()
    event = Stamped(customer_id=customer_id, count=2)
    with pytest.raises(AttributeError):
        event.count = 3  # type: ignore[misc]
    assert msgspec.json.decode(encode(event)) == {"customer_id": str(customer_id), "count": 2}
    assert event.ordering_key() == customer_id


def test_the_core_catalogue_has_every_event_the_core_emits() -> None:
    assert {event.type for event in CORE_EVENTS} == {
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "payment.recorded",
        "task.created",
        "task.completed",
        "interaction.logged",
        "plugin.enabled",
        "plugin.disabled",
        "plugin.reconfigured",
    }


def test_the_webhook_schema_has_a_branch_per_event() -> None:
    catalogue = Catalogue([("stamps", Stamped)])
    schema = catalogue.webhook_schema()
    types = {branch["properties"]["type"]["const"] for branch in schema["oneOf"]}
    assert types == set(catalogue.names())
    assert "stamps.stamped" in types and "Stamped" in schema["$defs"]


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"events": [dict]}, "not an sdk.Event"),
        ({"events": [sdk.PaymentRecorded]}, "must be named 'stamps.<event>'"),
        ({"subscriptions": {"payment.recordd": "x:y"}}, "no such core event"),
        ({"subscriptions": {"stamps.unknown": "x:y"}}, "declares no such event"),
        ({"subscriptions": {"NotAName": "x:y"}}, "not an event name"),
    ],
)
def test_malformed_events_and_subscriptions_are_refused(overrides, complaint) -> None:
    with pytest.raises(PluginError, match=complaint):
        descriptor(**overrides).check()


def test_a_subscription_to_another_plugins_event_passes() -> None:
    descriptor(events=[Stamped], subscriptions={"gym.membership_started": "x:y"}).check()


@pytest.mark.parametrize("path", ["no_such_module:f", "core.sdk:no_such_name", "core.sdk:"])
def test_a_bad_import_path_is_a_load_failure(path: str) -> None:
    with pytest.raises(PluginError, match="stamps"):
        load_resource("stamps", "routes", path)


def test_import_paths_are_resolved_and_a_bad_one_skips_the_plugin(caplog) -> None:
    good = descriptor(routes="core.sdk:__all__", hooks="core.plugins.hookspecs")
    assert good.resolved().routes == list(sdk.__all__)
    host = PluginHost([descriptor(subscriptions={"customer.created": "nowhere:handler"})])
    assert host.descriptors == {}
    assert "nowhere:handler" in caplog.text


class Wanted(msgspec.Struct):
    customer_id: uuid.UUID


async def annotated(ctx: Any, event: Wanted) -> None: ...


async def plain(ctx: Any, event: dict) -> None: ...


async def bare(ctx, event): ...  # noqa: ANN001 - unannotated on purpose


async def wrong_core(ctx: Any, event: sdk.TaskCreated) -> None: ...


def test_a_handler_gets_the_type_it_annotates() -> None:
    payload = {"customer_id": str(uuid.uuid4()), "extra": "ignored"}
    seen: list[Any] = []

    async def record(ctx: Any, event: Wanted) -> None:
        seen.append(event)

    asyncio.run(subscription_of("p", "other.thing", record).handle(None, payload))
    assert seen == [Wanted(customer_id=uuid.UUID(payload["customer_id"]))]
    assert subscription_of("p", "other.thing", annotated).decode_as is Wanted
    assert subscription_of("p", "other.thing", plain).decode_as is None
    assert subscription_of("p", "other.thing", bare).decode_as is None
    assert subscription_of("p", "payment.recorded", bare).decode_as is sdk.PaymentRecorded


def test_a_handler_of_a_core_event_must_take_its_struct() -> None:
    with pytest.raises(PluginError, match="sdk.PaymentRecorded"):
        subscription_of("p", "payment.recorded", wrong_core)
    with pytest.raises(PluginError, match="async"):
        subscription_of("p", "payment.recorded", lambda ctx, event: None)


def test_emitting_or_enqueuing_outside_a_transaction_is_refused(tmp_path, monkeypatch) -> None:
    """`emit`, `emit_many`, `enqueue_job(s)` would commit alone: they raise instead."""
    monkeypatch.setenv("PICCOLO_CONF", "core.piccolo_conf")
    monkeypatch.setenv("PATRON_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    from core import events
    from core.plugins.context import PluginContext
    from core.tenancy.context import Role, TenantContext, TenantStatus

    tenant = TenantContext(
        tenant_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        role=Role.owner,
        status=TenantStatus.active,
        timezone="UTC",
        currency="CNY",
        country="CN",
    )
    stamps = descriptor(events=[Stamped], jobs={"count": "x:y"})
    ctx = PluginContext(tenant, stamps, stamps.default_config())
    stamped = Stamped(customer_id=uuid.uuid4(), count=1)
    calls = [
        events.emit(tenant, sdk.CustomerDeleted(customer_id=uuid.uuid4())),
        sdk.emit(ctx, stamped),
        sdk.emit_many(ctx, [stamped]),
        sdk.enqueue_job(ctx, "count", {}),
        sdk.enqueue_jobs(ctx, "count", [({}, None)]),
    ]
    for call in calls:
        with pytest.raises(sdk.TransactionRequired, match="inside the caller's write transaction"):
            asyncio.run(call)
