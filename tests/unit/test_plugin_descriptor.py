"""A plugin descriptor is checked when loaded; its config is validated field by field."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from core.errors import InvalidInput
from core.plugins.descriptor import PluginDescriptor, PluginError, Schedule


class Plan(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    months: Annotated[int, msgspec.Meta(ge=1)] = 1


class Config(msgspec.Struct, forbid_unknown_fields=True):
    fee: Annotated[int, msgspec.Meta(ge=0)] = 100
    reminder_time: str = "09:30"
    plans: list[Plan] = msgspec.field(default_factory=lambda: [Plan("basic")])


async def _job(ctx: object) -> None:
    return None


def descriptor(**overrides: object) -> PluginDescriptor:
    fields = {"name": "gym", "title": "Gym", "version": "1.0.0", "config": Config}
    return PluginDescriptor(**{**fields, **overrides})  # type: ignore[arg-type]


def test_a_well_formed_descriptor_passes() -> None:
    descriptor(schedules=[Schedule("expire", "daily 02:00", _job)]).check()


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"name": "Gym!"}, "name"),
        ({"version": "one"}, "Invalid version"),
        ({"core_api": ">=9"}, "supports core API"),
        ({"core_api": "not a range"}, "Invalid specifier"),
        ({"config": dict}, "msgspec Struct"),
        ({"schedules": [Schedule("x", "hourly", _job)]}, "unknown form"),
        ({"schedules": [Schedule("expire memberships", "daily 02:00", _job)]}, "a-z0-9-"),
        ({"schedules": [Schedule("Expire", "daily 02:00", _job)]}, "a-z0-9-"),
        ({"schedules": [Schedule("x", "daily 02:00", _job)] * 2}, "share a name"),
        ({"schedules": [Schedule("x", "daily {remind_at}", _job)]}, "does not have"),
        ({"schedules": [Schedule("x", "daily {fee}", _job)]}, "default config"),
    ],
)
def test_malformed_or_incompatible_descriptors_are_refused(overrides, complaint) -> None:
    with pytest.raises(PluginError, match=complaint):
        descriptor(**overrides).check()


def test_config_must_forbid_unknown_fields_and_default_every_field() -> None:
    class Loose(msgspec.Struct):
        fee: int = 1

    class NoDefault(msgspec.Struct, forbid_unknown_fields=True):
        fee: int

    with pytest.raises(PluginError, match="forbid_unknown_fields"):
        descriptor(config=Loose).check()
    with pytest.raises(PluginError, match="default"):
        descriptor(config=NoDefault).check()


def test_missing_config_keys_take_defaults() -> None:
    config = descriptor().parse_config({"fee": 5})
    assert config == Config(fee=5, plans=[Plan("basic")])


def test_a_schedule_time_may_name_a_config_field() -> None:
    reminders = Schedule("reminders", "weekly mon {reminder_time}", _job)
    plugin = descriptor(schedules=[reminders])
    plugin.check()
    assert reminders.every_for(plugin.parse_config({"reminder_time": "07:05"})) == (
        "weekly mon 07:05"
    )
    for bad in ("7:05", "24:00", "noon", ""):
        with pytest.raises(InvalidInput) as caught:
            plugin.parse_config({"reminder_time": bad})
        assert [e["field"] for e in caught.value.errors] == ["config.reminder_time"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"fee": "5"}, "config.fee"),
        ({"fee": -1}, "config.fee"),
        ({"plans": [{"name": "x", "months": 0}]}, "config.plans[0].months"),
        ({"unknown": 1}, "config"),
        ("not an object", "config"),
    ],
)
def test_bad_config_is_a_422_naming_the_field_path(raw, field) -> None:
    with pytest.raises(InvalidInput) as error:
        descriptor().parse_config(raw)
    assert error.value.errors[0]["field"] == field


def test_the_json_schema_shows_defaults_and_constraints() -> None:
    schema = descriptor().config_schema()
    properties = schema["$defs"]["Config"]["properties"]
    assert properties["fee"] == {"type": "integer", "minimum": 0, "default": 100}


@pytest.mark.parametrize("path", ["/changes", "/schedules", "/schedules/{x:str}/runs", "/"])
def test_a_route_on_a_path_the_host_serves_is_refused(path: str) -> None:
    from litestar import get

    from core.plugins.host import _routes_mount

    @get(path, sync_to_thread=False)
    def clash() -> None:
        return None

    @get("/schedule-notes", sync_to_thread=False)
    def fine() -> None:
        return None

    assert _routes_mount(descriptor(routes=[clash])) is False
    assert _routes_mount(descriptor(routes=[fine])) is True
