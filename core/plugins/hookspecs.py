"""Every hook a Patron plugin can implement: the whole contract in one module.

Conventions (see docs/plugins.md for a tutorial and examples):

* Every hook takes the caller's `ctx` (a `TenantContext`) first, and is called only for
  plugins the tenant has enabled. A plugin reads its validated config for the tenant with
  `MY_PLUGIN.config_of(ctx)` (its descriptor): no I/O, cached per tenant and config revision.
* **Event hooks** (`patron_customer_created`, …) are `async`. They run *after* the change
  committed, from the transactional outbox, and are retried when they raise: make them
  idempotent. They can never undo the change that caused them.
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
    from core.plugins.descriptor import PluginTimelineEntry, Veto
    from core.tenancy.context import TenantContext

PROJECT = "patron"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- events (async, after commit, retried) -------------------------------------------------
@hookspec
async def patron_customer_created(ctx: TenantContext, customer: dict[str, Any]) -> None:
    """A customer was created. `customer` is its API representation (unmasked)."""


@hookspec
async def patron_customer_updated(
    ctx: TenantContext, customer: dict[str, Any], changed: list[str]
) -> None:
    """A customer was changed; `changed` names the fields that changed."""


@hookspec
async def patron_customer_deleted(ctx: TenantContext, customer_id: str) -> None:
    """A customer was (soft-)deleted."""


@hookspec
async def patron_payment_recorded(ctx: TenantContext, payment: dict[str, Any]) -> None:
    """A payment or a refund (`payment["kind"] == "refund"`, with `refund_of_id`) was recorded."""


@hookspec
async def patron_task_completed(ctx: TenantContext, task: dict[str, Any]) -> None:
    """A task moved to status `done`."""


@hookspec
async def patron_interaction_logged(ctx: TenantContext, interaction: dict[str, Any]) -> None:
    """An interaction (call, message, visit, note…) was logged against a customer."""


@hookspec
async def patron_plugin_enabled(ctx: TenantContext, plugin: str) -> None:
    """A plugin was enabled for the tenant (called for that plugin only)."""


@hookspec
async def patron_plugin_disabled(ctx: TenantContext, plugin: str) -> None:
    """A plugin was disabled for the tenant (called for that plugin only). Keep its data."""


@hookspec
async def patron_plugin_reconfigured(ctx: TenantContext, plugin: str, old: Any) -> None:
    """The plugin's config changed from `old`; the new one is in `ctx` (that plugin only)."""


# -- contributions (async, may read; failures are isolated) -----------------------------
@hookspec
async def patron_customer_section(
    ctx: TenantContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """This plugin's section of `GET /customers/{id}` (`plugins.<name>`), or None for none."""


@hookspec
async def patron_timeline_entries(
    ctx: TenantContext, customer_id: str, newer_than: Any, not_newer_than: Any
) -> list[PluginTimelineEntry]:
    """Entries to show in the customer's timeline whose time lies in the half-open window
    (`newer_than`, `not_newer_than`]; either bound may be None (unbounded).

    Entries a plugin stores through `sdk.record_timeline` are shown anyway; this
    hook is for entries computed when read (e.g. "renewal due in 12 days").
    """


# -- policy (sync, pure) -------------------------------------------------------------------
@hookspec
def patron_customer_filter(ctx: TenantContext, key: str, value: str) -> Any:
    """A list filter `GET /customers?<plugin>.<key>=<value>`: return a query selecting the
    matching customer ids (e.g. `repo.select(Student.customer_id).where(...)`), or None when
    `key` is not a filter of this plugin (the client gets a 422); wrap the query in
    `Excluding(query)` for "every customer but these". Called for the plugin named by the
    prefix only.
    """


@hookspec(firstresult=True)
def patron_veto(
    ctx: TenantContext, action: str, current: dict[str, Any] | None, change: dict[str, Any]
) -> Veto | None:
    """Refuse a core write before it happens: return a `Veto` (409 or 422 with a reason), or
    None to allow it. `action` is e.g. "customer.update", "customer.delete",
    "payment.record"; `current` is the customer before the change as the API shows it
    (unmasked), with each enabled plugin's section under `current["plugins"]` — the facts a
    plugin needs come through its `patron_customer_section` — or None on create; `change`
    holds the requested values. The first veto wins.
    """
