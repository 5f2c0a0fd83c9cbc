"""The plugin host: the one owner of the pluggy manager, and a typed facade over it.

Hooks reach only the plugins a tenant enabled: a subset caller is built once per hook
and enabled set, then cached. Contribution hooks are called plugin by plugin so that
one failing plugin only loses its own part of a response. Every hook, job and
subscription handler gets the caller's context bound to its plugin (`PluginContext`).

Events are not hooks: `deliver` hands an outbox event to the plugins subscribing to it
(`descriptor.subscriptions`), each handler getting the event decoded into the type it
annotates (see `core.plugins.subscriptions`).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pluggy
from litestar import Litestar, Router
from litestar.di import Provide

from core.catalogue import Catalogue
from core.db import require_transaction, savepoint
from core.errors import InvalidInput
from core.plugins import hookspecs
from core.plugins.context import PluginContext
from core.plugins.descriptor import PluginDescriptor, PluginError, PluginTimelineEntry, Veto
from core.plugins.state import EnabledPlugins
from core.plugins.subscriptions import Subscription, subscription_of
from core.tenancy.context import TenantContext

log = logging.getLogger("patron.plugins")


class SectionFailed(Exception):
    """A customer section failed in a read without savepoints (see `customer_sections`)."""


class _NoHooks:
    """Stands in for a plugin that implements no hook."""


# Served by the host under /api/v1/plugins/<name>/ for every plugin (its config routes, its
# schedules and their runs: everything under /schedules too).
RESERVED_PLUGIN_PATHS = frozenset({"", "/changes", "/schedules"})
RESERVED_PLUGIN_PREFIXES = ("/schedules/",)


# What the app and the plugin routers provide by name: a plugin's parameter of one of these
# names (other than taking `ctx`) is ambiguous, and Litestar would refuse the whole app.
PROVIDED_NAMES = ("ctx", "cipher", "host", "service", "plugin_ctx")


def _stand_in() -> Callable[[], None]:
    """A provider of nothing (Litestar wants a distinct function per provided name)."""

    def provide() -> None:
        return None

    return provide


def _routes_mount(descriptor: PluginDescriptor) -> bool:
    """Whether Litestar accepts the plugin's routes (tried on a throwaway app at load), so
    that one plugin's bad route cannot stop the server from starting."""
    if not descriptor.routes:
        return True
    routes: list[Any] = list(descriptor.routes)  # handlers: the loader resolved the path
    reserved = sorted(
        path
        for handler in routes
        for path in getattr(handler, "paths", ())
        if path.rstrip("/") in RESERVED_PLUGIN_PATHS or path.startswith(RESERVED_PLUGIN_PREFIXES)
    )
    if reserved:
        log.error(
            "plugin %r uses reserved paths %s (its config routes) and is skipped",
            descriptor.name,
            reserved,
        )
        return False
    provided = {name: Provide(_stand_in(), sync_to_thread=False) for name in PROVIDED_NAMES}
    try:
        Litestar(
            route_handlers=[
                Router(
                    f"/api/v1/plugins/{descriptor.name}",
                    route_handlers=routes,
                    dependencies=provided,
                )
            ],
            openapi_config=None,
        )
    except Exception as exc:  # noqa: BLE001 - any refusal skips the plugin, loudly
        log.error("plugin %r has routes Litestar refuses and is skipped: %s", descriptor.name, exc)
        return False
    return True


class PluginHost:
    def __init__(self, descriptors: Iterable[PluginDescriptor]) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.descriptors: dict[str, PluginDescriptor] = {}
        self._hooks_of: dict[str, object] = {}
        # {event name: {plugin: subscription}}, plugins in name order
        self.subscriptions: dict[str, dict[str, Subscription]] = {}
        for descriptor in sorted(descriptors, key=lambda d: d.name):
            self._register(descriptor)
        self.catalogue = Catalogue(
            (d.name, event) for d in self.descriptors.values() for event in d.events
        )
        for event, subscribers in sorted(self.subscriptions.items()):
            if event not in self.catalogue.events:
                log.warning(
                    "plugins %s subscribe to %r, which no loaded plugin publishes",
                    sorted(subscribers),
                    event,
                )
        self.enabled = EnabledPlugins(self.descriptors)
        self._callers: dict[tuple[str, frozenset[str]], Any] = {}

    def _register(self, descriptor: PluginDescriptor) -> None:
        try:
            descriptor = descriptor.resolved()
            subscriptions = {
                event: subscription_of(descriptor.name, event, handler)
                for event, handler in descriptor.subscriptions.items()
            }
        except PluginError as exc:
            log.error("plugin %r is skipped: %s", descriptor.name, exc)
            return
        if not _routes_mount(descriptor):
            return
        hooks = descriptor.hooks if descriptor.hooks is not None else _NoHooks()
        try:
            self.manager.register(hooks, name=descriptor.name)
            self.manager.check_pending()
        except (pluggy.PluginValidationError, ValueError) as exc:
            log.error("plugin %r has invalid hooks and is skipped: %s", descriptor.name, exc)
            if self.manager.get_plugin(descriptor.name) is not None:
                self.manager.unregister(name=descriptor.name)
            return
        self.descriptors[descriptor.name] = descriptor
        self._hooks_of[descriptor.name] = hooks
        for event, subscription in subscriptions.items():
            self.subscriptions.setdefault(event, {})[descriptor.name] = subscription

    def bind(self, ctx: TenantContext, plugin: str) -> PluginContext[Any]:
        """`ctx` bound to a loaded plugin (what its hooks, jobs and handlers get)."""
        return PluginContext.bind(ctx, self.descriptors[plugin], self)

    # -- dispatch --------------------------------------------------------------------------
    def _caller(self, hook: str, enabled: Iterable[str]) -> Any:
        """The hook caller restricted to `enabled` plugins, cached per enabled set."""
        key = (hook, frozenset(name for name in enabled if name in self._hooks_of))
        caller = self._callers.get(key)
        if caller is None:
            disabled = [obj for name, obj in self._hooks_of.items() if name not in key[1]]
            caller = self.manager.subset_hook_caller(hook, remove_plugins=disabled)
            self._callers[key] = caller
        return caller

    def _impls(self, ctx: TenantContext, hook: str) -> list[Any]:
        """The enabled plugins' implementations, in name order (never registration order)."""
        impls = self._caller(hook, ctx.plugins).get_hookimpls()
        return sorted(impls, key=lambda impl: impl.plugin_name)

    def _impl_of(self, plugin: str, hook: str) -> Any | None:
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin:
                return impl
        return None

    @staticmethod
    async def _await(result: Any) -> Any:
        return await result if inspect.isawaitable(result) else result

    # -- contributions ---------------------------------------------------------------------
    async def customer_sections(
        self, ctx: TenantContext, customer: dict[str, Any], *, isolated: bool = True
    ) -> dict:
        """Every enabled plugin's section of the customer, inside the caller's transaction.

        `isolated`: a savepoint around each section but the last, so that one plugin's SQL
        error (which aborts a PostgreSQL transaction) does not spoil the sections after it;
        a failing section is logged and left out. Without (`isolated=False`, a round trip
        per section cheaper) a section failing before the last raises `SectionFailed`: the
        caller rolls back and reads again isolated, with the same outcome as if it had been
        isolated from the start."""
        sections: dict[str, Any] = {}
        impls = self._impls(ctx, "patron_customer_section")
        for n, impl in enumerate(impls, 1):
            last = n == len(impls)  # nothing after it for a failure to spoil
            try:
                call = impl.function(ctx=self.bind(ctx, impl.plugin_name), customer=customer)
                if last or not isolated:
                    section = await self._await(call)
                else:
                    async with savepoint():
                        section = await self._await(call)
            except Exception as exc:  # noqa: BLE001 - the response goes on without this section
                if not (isolated or last):
                    raise SectionFailed(impl.plugin_name) from exc
                log.exception(
                    "tenant %s: plugin %s failed in patron_customer_section",
                    ctx.tenant_id,
                    impl.plugin_name,
                )
                continue
            if section is not None:
                sections[impl.plugin_name] = section
        return sections

    async def timeline_entries(
        self, ctx: TenantContext, customer_id: str, newer_than: Any, not_newer_than: Any
    ) -> list[tuple[str, PluginTimelineEntry]]:
        entries: list[tuple[str, PluginTimelineEntry]] = []
        for impl in self._impls(ctx, "patron_timeline_entries"):
            try:
                found = await self._await(
                    impl.function(
                        ctx=self.bind(ctx, impl.plugin_name),
                        customer_id=customer_id,
                        newer_than=newer_than,
                        not_newer_than=not_newer_than,
                    )
                )
            except Exception:  # noqa: BLE001 - the timeline goes on without these entries
                log.exception(
                    "tenant %s: plugin %s failed in patron_timeline_entries",
                    ctx.tenant_id,
                    impl.plugin_name,
                )
                continue
            entries.extend((impl.plugin_name, entry) for entry in found or ())
        return entries

    # -- policy ----------------------------------------------------------------------------
    def customer_filter(self, ctx: TenantContext, name: str, value: str) -> Any:
        """`?<plugin>.<key>=value`: the plugin's query of matching customer ids."""
        plugin, _, key = name.partition(".")
        impl = self._impl_of(plugin, "patron_customer_filter") if plugin in ctx.plugins else None
        query = impl.function(ctx=self.bind(ctx, plugin), key=key, value=value) if impl else None
        if query is None:
            raise InvalidInput([(name, "not a filter of an enabled plugin")])
        return query

    def vetoers(self, ctx: TenantContext) -> list[Any]:
        """The enabled plugins that may veto writes (callers load facts only for them)."""
        return self._impls(ctx, "patron_veto")

    def veto(
        self,
        ctx: TenantContext,
        action: str,
        current: dict[str, Any] | None,
        change: dict[str, Any],
    ) -> None:
        """Raise the first plugin veto of a core write, if any (plugins asked in name order).

        Asked first thing inside the write's transaction, for every write, so that the
        facts a plugin decides on are the ones the write commits against: outside one this
        raises `TransactionRequired`."""
        require_transaction(f"asking plugins to veto {action}")
        for impl in self.vetoers(ctx):
            verdict = impl.function(
                ctx=self.bind(ctx, impl.plugin_name), action=action, current=current, change=change
            )
            if isinstance(verdict, Veto):
                raise verdict.as_error(impl.plugin_name)

    # -- events and jobs ---------------------------------------------------------------------
    async def deliver(
        self, ctx: TenantContext, event: str, payload: dict[str, Any], skip: Iterable[str] = ()
    ) -> dict[str, str | None]:
        """Hand the event to each enabled plugin subscribing to it and not in `skip` (for a
        plugin lifecycle event: the plugin it names, enabled or not).

        Returns {plugin: None on success, or the error text} so that the caller retries
        only the subscribers that failed.
        """
        subscribers = self.subscriptions.get(event, {})
        known = self.catalogue.events.get(event)
        if known is not None and known.own:
            names = [payload.get("plugin")]
        else:
            names = [name for name in subscribers if name in ctx.plugins]
        outcome: dict[str, str | None] = {}
        for name in sorted(n for n in names if n in subscribers and n not in skip):
            try:
                await subscribers[name].handle(self.bind(ctx, name), payload)
                outcome[name] = None
            except Exception as exc:  # noqa: BLE001 - recorded, retried later
                log.exception("tenant %s: plugin %s failed handling %s", ctx.tenant_id, name, event)
                outcome[name] = f"{type(exc).__name__}: {exc}"
        return outcome

    async def run_job(
        self, ctx: TenantContext, job: str, payload: dict[str, Any], skip: Iterable[str] = ()
    ) -> dict[str, str | None]:
        """Run the plugin job `<plugin>.<name>`; {plugin: None or the error text}."""
        plugin, _, name = job.partition(".")
        descriptor = self.descriptors.get(plugin)
        run = descriptor.jobs.get(name) if descriptor is not None else None
        if run is None or plugin not in ctx.plugins or plugin in skip:
            return {}  # uninstalled or disabled since: nothing to do
        try:
            # A job resolved by the loader: a callable, not its "module:attr" string.
            await run(self.bind(ctx, plugin), payload)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - recorded, retried later
            log.exception("tenant %s: plugin %s failed in job %s", ctx.tenant_id, plugin, name)
            return {plugin: f"{type(exc).__name__}: {exc}"}
        return {plugin: None}
