"""Every hook a Patron plugin can implement: the whole contract in one module.

Conventions (see docs/plugins.md for a tutorial and examples):

* Every hook takes the caller's `ctx` first (a `PluginContext`: the tenant context bound
  to the plugin, its validated config as `ctx.config`: no I/O), and is called only for
  plugins the tenant has enabled.
* Events are not hooks: a plugin subscribes to them on its descriptor (`subscriptions`),
  delivered from the transactional outbox after commit (`core.plugins.host.deliver`).
* **Contribution hooks** (`patron_customer_section`, `patron_timeline_entries`) are `async`
  and may read data. One plugin raising never breaks the response: its part is left out
  and the error is logged with tenant and plugin.
* **Policy hooks** (`patron_customer_filter`, `patron_veto`) are synchronous and pure: the
  core hands over the facts, the hook decides. Only `patron_veto` is `firstresult`.
* Results never depend on the order in which plugins were registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.plugins.context import PluginContext
    from core.plugins.descriptor import PluginTimelineEntry, Veto

PROJECT = "patron"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- contributions (async, may read; failures are isolated) -----------------------------
@hookspec
async def patron_customer_section(
    ctx: PluginContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """This plugin's section of `GET /customers/{id}` (`plugins.<name>`), or None for none."""


@hookspec
async def patron_timeline_entries(
    ctx: PluginContext, customer_id: str, newer_than: Any, not_newer_than: Any
) -> list[PluginTimelineEntry]:
    """Entries to show in the customer's timeline whose time lies in the half-open window
    (`newer_than`, `not_newer_than`]; either bound may be None (unbounded).

    Entries a plugin stores through `sdk.record_timeline` are shown anyway; this
    hook is for entries computed when read (e.g. "renewal due in 12 days").
    """


# -- policy (sync, pure) -------------------------------------------------------------------
@hookspec
def patron_customer_filter(ctx: PluginContext, key: str, value: str) -> Any:
    """A list filter `GET /customers?<plugin>.<key>=<value>`: return a query selecting the
    matching customer ids (e.g. `repo.select(Student.customer_id).where(...)`), or None when
    `key` is not a filter of this plugin (the client gets a 422); wrap the query in
    `Excluding(query)` for "every customer but these". Called for the plugin named by the
    prefix only.
    """


@hookspec(firstresult=True)
def patron_veto(
    ctx: PluginContext, action: str, current: dict[str, Any] | None, change: dict[str, Any]
) -> Veto | None:
    """Refuse a core write before it happens: return a `Veto` (409 or 422 with a reason), or
    None to allow it. `action` is e.g. "customer.update", "customer.delete",
    "payment.record"; `current` is the customer before the change as the API shows it
    (unmasked), with each enabled plugin's section under `current["plugins"]` — the facts a
    plugin needs come through its `patron_customer_section` — or None on create; `change`
    holds the requested values. The first veto wins.
    """
