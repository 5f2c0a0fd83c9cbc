"""What a plugin declares about itself, validated when it is loaded."""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from core.catalogue import CORE_EVENTS, EVENT_NAME, Event
from core.errors import Conflict, InvalidInput, NotFound, PatronError
from core.tenancy.context import TenantContext
from core.tenancy.tables import TenantTable

# The version of the plugin API (core.sdk). Plugins declare the range they support.
CORE_API_VERSION = "2.0"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_TIME = r"([01]\d|2[0-3]):[0-5]\d"
TIME_OF_DAY = re.compile(rf"^{_TIME}$")
# A schedule's time of day is fixed ("10:00") or a field of the plugin's config
# ("{reminder_time}", a string "HH:MM"), read per tenant.
_WHEN = rf"({_TIME}|\{{[a-z_][a-z0-9_]*\}})"
SCHEDULE = re.compile(
    rf"^(daily {_WHEN}|weekly (mon|tue|wed|thu|fri|sat|sun) {_WHEN}"
    rf"|monthly ([1-9]|[12]\d|3[01]) {_WHEN}|every [1-9]\d* (hours|days|months))$"
)
SCHEDULE_NAME = re.compile(r"^[a-z0-9-]+$")
CONFIG_TIME = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

ConfigT = TypeVar("ConfigT", bound=msgspec.Struct)


class EmptyConfig(msgspec.Struct, forbid_unknown_fields=True):
    """The config of a plugin that has no settings."""


class Veto(msgspec.Struct, frozen=True):
    """A plugin's refusal of a core write: 409 (state) or 422 (input), with the reason."""

    reason: str
    status: int = 409
    field: str | None = None

    def as_error(self, plugin: str) -> PatronError:
        if self.status == 422:
            return InvalidInput([(self.field or "body", self.reason)], f"{plugin}: {self.reason}")
        return Conflict(f"{plugin}: {self.reason}")


class PluginTimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An entry a plugin contributes to a timeline when it is read."""

    occurred_at: datetime.datetime
    kind: str
    summary: str
    data: dict[str, Any] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class Excluding:
    """A customer filter's answer meaning "every customer *except* those `query` selects"
    (e.g. `?gym.member=no`)."""

    query: Any


@dataclass(frozen=True)
class Schedule:
    """A job a plugin runs on a schedule in each enabling tenant's local time.

    `name` is a slug (`[a-z0-9-]+`, it appears in URLs); `every` is e.g. "daily 10:00",
    "weekly mon 09:00", "monthly 1 08:00", "every 6 months", or with the time of day
    taken from a config field: "daily {reminder_time}". `job` is `"module:attr"` (or the
    function); `job(ctx)` with a `PluginContext` — or `job(ctx, now)` when it takes a `now`
    parameter: the slot's moment — is awaited once per tenant per slot, and when run on
    demand.
    """

    name: str
    every: str
    job: Callable[..., Awaitable[None]] | str

    @property
    def config_field(self) -> str | None:
        """The config field naming the time of day, if `every` takes it from the config."""
        found = CONFIG_TIME.search(self.every)
        return found.group(1) if found else None

    def every_for(self, config: Any) -> str:
        """`every` with the time of day read from the tenant's `config`."""
        field_name = self.config_field
        if field_name is None:
            return self.every
        return self.every.replace("{" + field_name + "}", time_of_day(getattr(config, field_name)))


def time_of_day(value: Any) -> str:
    """A config value as "HH:MM" (a string of that form, or a `datetime.time`)."""
    if isinstance(value, datetime.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, str) and TIME_OF_DAY.match(value):
        return value
    raise ValueError("must be a time of day HH:MM (00:00 to 23:59)")


class PluginError(Exception):
    """A plugin that cannot be loaded: it is skipped with this message."""


# The namespaces of the core's events: a subscription there must name one of them.
CORE_NAMESPACES = frozenset(event.type.split(".", 1)[0] for event in CORE_EVENTS)


def load_resource(plugin: str, what: str, value: Any) -> Any:
    """`"package.module:attr"` (or `"package.module"`, the module itself) imported; anything
    else returned as it is. As NetBox's `_load_resource`: plugin.py names its parts without
    importing them, so nothing imports plugin.py back. A bad path is a `PluginError` (the
    plugin is skipped, loudly)."""
    if not isinstance(value, str):
        return value
    module_name, _, attr = value.partition(":")
    if not module_name or (":" in value and not attr):
        raise PluginError(f"{plugin}: {what} {value!r} is not a 'package.module:attr' path")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            found = getattr(found, part)
    except Exception as exc:  # noqa: BLE001 - any failure skips the plugin, loudly
        raise PluginError(
            f"{plugin}: {what} {value!r} cannot be loaded ({type(exc).__name__}: {exc})"
        ) from None
    return found


@dataclass(frozen=True, kw_only=True)
class PluginDescriptor(Generic[ConfigT]):
    """A plugin: what it is, what it needs, and what it adds.

    `hooks` is the module or object holding its `@hookimpl` functions; `config` a msgspec
    Struct whose fields all have defaults; `tables` its Piccolo tables (tenant-scoped:
    subclasses of `TenantTable`) and `piccolo_app` the module of its Piccolo app, whose
    migrations `patron migrate` applies; `routes` are mounted once under
    `/api/v1/plugins/<name>/` and answer 404 to tenants that have not enabled it.
    `events` are the event Structs it publishes (`<name>.<event>`); `subscriptions` map
    an event name (core or another plugin's) to its handler.

    `hooks`, `routes`, each job, schedule job and subscription handler may be given as a
    `"package.module:attr"` string, resolved by the loader (`resolved()`).
    """

    name: str
    title: str
    version: str
    core_api: str = ">=2.0,<3"
    hooks: object | None = None
    # The default when a plugin has no config: ConfigT is then EmptyConfig.
    config: type[ConfigT] = EmptyConfig  # type: ignore[assignment]
    tables: Sequence[type] = ()
    piccolo_app: str | None = None
    routes: Sequence[Any] | str = ()
    schedules: Sequence[Schedule] = ()
    # Background jobs the plugin enqueues with `sdk.enqueue_job(ctx, name, payload)`:
    # `jobs[name](ctx, payload)` runs after commit, retried until it succeeds (idempotent!).
    jobs: Mapping[str, Callable[[Any, dict[str, Any]], Awaitable[None]] | str] = field(
        default_factory=dict
    )
    events: Sequence[type[Event]] = ()
    subscriptions: Mapping[str, Callable[[Any, Any], Awaitable[None]] | str] = field(
        default_factory=dict
    )
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> PluginDescriptor[ConfigT]:
        """This descriptor with every `"module:attr"` resource imported."""
        name = self.name
        routes = load_resource(name, "routes", self.routes)
        return dataclasses.replace(
            self,
            hooks=load_resource(name, "hooks", self.hooks),
            routes=list(routes) if isinstance(routes, Sequence) else routes,
            jobs={job: load_resource(name, f"job {job!r}", fn) for job, fn in self.jobs.items()},
            schedules=[
                dataclasses.replace(s, job=load_resource(name, f"schedule {s.name!r}", s.job))
                for s in self.schedules
            ],
            subscriptions={
                event: load_resource(name, f"subscription to {event!r}", handler)
                for event, handler in self.subscriptions.items()
            },
        )

    def event_named(self, name: str) -> type[Event] | None:
        return next((event for event in self.events if event.type == name), None)

    def config_of(self, ctx: TenantContext) -> ConfigT:
        """This plugin's config for the caller's tenant (from the context: no I/O)."""
        try:
            return ctx.plugins[self.name]
        except KeyError:
            raise NotFound(f"The plugin {self.name} is not enabled for this tenant.") from None

    def config_schema(self) -> dict[str, Any]:
        return msgspec.json.schema(self.config)

    def default_config(self) -> ConfigT:
        return msgspec.convert({}, self.config)

    def parse_config(self, raw: Any) -> ConfigT:
        """Validate a config document: 422 naming the offending field path."""
        try:
            config = msgspec.convert(raw, self.config, strict=True)
        except msgspec.ValidationError as exc:
            raise InvalidInput.from_msgspec(exc, prefix="config") from None
        self.check_schedule_times(config)
        return config

    def check_schedule_times(self, config: Any) -> None:
        """422 naming the config field when a schedule's time of day read from it is not
        "HH:MM"."""
        for schedule in self.schedules:
            field_name = schedule.config_field
            if field_name is None:
                continue
            try:
                time_of_day(getattr(config, field_name, None))
            except ValueError as exc:
                raise InvalidInput(
                    [(f"config.{field_name}", f"{exc} (schedule {schedule.name!r})")]
                ) from None

    def check(self) -> None:
        """Refuse a malformed or incompatible descriptor (the loader skips it, loudly)."""
        if not NAME.match(self.name):
            raise PluginError(f"name {self.name!r} must match {NAME.pattern}")
        try:
            Version(self.version)
            supported = SpecifierSet(self.core_api)
        except (InvalidVersion, InvalidSpecifier) as exc:
            raise PluginError(f"{self.name}: {exc}") from None
        if Version(CORE_API_VERSION) not in supported:
            raise PluginError(
                f"{self.name} supports core API {self.core_api}, this Patron has {CORE_API_VERSION}"
            )
        if not (isinstance(self.config, type) and issubclass(self.config, msgspec.Struct)):
            raise PluginError(f"{self.name}: config must be a msgspec Struct")
        if not self.config.__struct_config__.forbid_unknown_fields:
            raise PluginError(f"{self.name}: config must set forbid_unknown_fields=True")
        try:
            self.default_config()
        except msgspec.ValidationError as exc:
            raise PluginError(f"{self.name}: every config field needs a default ({exc})") from None
        for table in self.tables:
            if not (isinstance(table, type) and issubclass(table, TenantTable)):
                raise PluginError(
                    f"{self.name}: table {table!r} is not tenant-scoped (subclass TenantTable)"
                )
        self._check_events()
        names = [schedule.name for schedule in self.schedules]
        if len(set(names)) != len(names):
            raise PluginError(f"{self.name}: two schedules share a name ({names})")
        for schedule in self.schedules:
            if not SCHEDULE_NAME.match(schedule.name):
                raise PluginError(
                    f"{self.name}: schedule name {schedule.name!r} must match "
                    f"{SCHEDULE_NAME.pattern} (e.g. 'daily-care')"
                )
            if not SCHEDULE.match(schedule.every):
                raise PluginError(
                    f"{self.name}: schedule {schedule.name!r} has an unknown form "
                    f"{schedule.every!r} (e.g. 'daily 10:00', 'monthly 1 09:00', 'every 6 months',"
                    " 'daily {reminder_time}')"
                )
            field_name = schedule.config_field
            if field_name is None:
                continue
            if field_name not in self.config.__struct_fields__:
                raise PluginError(
                    f"{self.name}: schedule {schedule.name!r} takes its time from "
                    f"config.{field_name}, which {self.config.__name__} does not have"
                )
            try:
                self.check_schedule_times(self.default_config())
            except InvalidInput as exc:
                raise PluginError(f"{self.name}: the default config: {exc.detail}") from None

    def _check_events(self) -> None:
        for event in self.events:
            if not (isinstance(event, type) and issubclass(event, Event)):
                raise PluginError(f"{self.name}: event {event!r} is not an sdk.Event Struct")
            if not event.type.startswith(f"{self.name}.") or event.own:
                raise PluginError(
                    f"{self.name}: event {event.type!r} must be named '{self.name}.<event>'"
                )
        for name in self.subscriptions:
            namespace = name.split(".", 1)[0]
            if not EVENT_NAME.match(name):
                raise PluginError(f"{self.name}: subscription to {name!r}: not an event name")
            if namespace in CORE_NAMESPACES and name not in {e.type for e in CORE_EVENTS}:
                raise PluginError(f"{self.name}: subscription to {name!r}: no such core event")
            if namespace == self.name and self.event_named(name) is None:
                raise PluginError(
                    f"{self.name}: subscription to {name!r}: the plugin declares no such event"
                )
