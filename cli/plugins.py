"""`patron plugins …`: installed plugins and each tenant's plugins (api.md §1, §5).

The commands act with the tenant owner's authority through the same `PluginService` as
`PUT /api/v1/plugins/{name}`, so a config is validated the same way and every change is
recorded (who, when, old, new) the same way. `new` scaffolds a plugin package.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import msgspec
import typer
from rich.table import Table

from cli.output import console, err, fail, print_json
from cli.runtime import run

if TYPE_CHECKING:
    from core.plugins.host import PluginHost
    from core.plugins.service import PluginService

T = TypeVar("T")

plugins_app = typer.Typer(
    help="Installed plugins, and which ones each tenant enabled (operator).",
    no_args_is_help=True,
)

INSTALLED_KEYS = ("name", "title", "version", "core_api", "description")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
Slug = Annotated[str, typer.Argument(help="The tenant's slug.")]
PluginName = Annotated[str, typer.Argument(help="The plugin's name.")]


def plugin_host() -> PluginHost:
    """The installed plugins PATRON_PLUGINS allows, as the server loads them."""
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover, parse_allowlist

    # Settings.from_env() would also generate the embedded secret key into `.patron/`,
    # which listing plugins has no business doing; the allowlist is read the same way.
    return PluginHost(discover(parse_allowlist(os.environ.get("PATRON_PLUGINS"))))


def _installed(host: PluginHost, name: str) -> dict[str, Any]:
    """What a plugin says about itself: name, title, version, core_api, description."""
    descriptor = host.descriptors[name]
    return {key: getattr(descriptor, key) for key in INSTALLED_KEYS}


async def _service(slug: str, host: PluginHost) -> PluginService:
    """The plugin service of the tenant `slug`, acting as its owner."""
    from core.errors import NotFound
    from core.plugins.service import PluginService
    from tenants.provisioning import owner_context, tenant_by_slug

    tenant = await tenant_by_slug(slug)
    if tenant is None:
        raise NotFound(f"No tenant with the slug {slug!r}.")
    return PluginService(await owner_context(tenant), host)


def _run(work: Callable[[], Awaitable[T]], as_json: bool) -> T:
    """Run `work` against the database; a refusal is printed (each invalid field on its
    own line, and with --json the problem document on stdout) and exits with 1."""
    from core.errors import InvalidInput, PatronError, document_of

    try:
        return run(work)
    except PatronError as exc:
        if as_json:
            print_json(document_of(exc))
        if isinstance(exc, InvalidInput):
            for error in exc.errors:
                err.print(f"{error['field']}: {error['message']}", highlight=False, markup=False)
        fail(exc.detail)


def _config_text(config: Any) -> str:
    return msgspec.json.encode(config).decode()


@plugins_app.command("list")
def list_plugins(
    slug: Annotated[
        str | None, typer.Argument(help="A tenant's slug: show its state and config too.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the installed plugins; with SLUG, also whether that tenant enabled each one."""
    host = plugin_host()
    if slug is None:
        installed = [_installed(host, name) for name in host.descriptors]
        if as_json:
            print_json(installed)
            return
        table = Table(*(key.replace("_", " ") for key in INSTALLED_KEYS))
        for row in installed:
            table.add_row(*(row[key] for key in INSTALLED_KEYS))
        console.print(table)
        return

    async def states() -> list[Any]:
        return await (await _service(slug, host)).list()

    rows = [
        {**_installed(host, state.name), **msgspec.to_builtins(state)}
        for state in _run(states, as_json)
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "title", "version", "enabled", "config", title=f"Plugins of {slug}")
    for row in rows:
        enabled = "[green]yes[/green]" if row["enabled"] else "no"
        config = _config_text(row["config"])
        table.add_row(row["name"], row["title"], row["version"], enabled, config)
    console.print(table)


def _read_config(path: str) -> dict[str, Any]:
    """A config document from a JSON or TOML file (`-`: JSON on stdin)."""
    try:
        if path == "-":
            raw, toml = sys.stdin.buffer.read(), False
        else:
            raw, toml = Path(path).read_bytes(), path.lower().endswith(".toml")
    except OSError as exc:
        fail(f"cannot read the config file: {exc}")
    try:
        config = msgspec.toml.decode(raw) if toml else msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        fail(f"{path} is not valid {'TOML' if toml else 'JSON'}: {exc}")
    if not isinstance(config, dict):
        fail(f"{path} must hold an object (a table) of config keys")
    return config


@plugins_app.command("enable")
def enable(
    slug: Slug,
    plugin: PluginName,
    config_file: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="The config: a JSON or TOML file (`-`: JSON on stdin). Missing keys take"
            " their defaults; without a file every key does.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Enable PLUGIN for the tenant SLUG, or change its config; refuses an invalid config."""
    config = _read_config(config_file) if config_file is not None else {}
    host = plugin_host()

    async def work() -> Any:
        return await (await _service(slug, host)).enable(plugin, config)

    state = _run(work, as_json)
    if as_json:
        print_json({**_installed(host, plugin), **msgspec.to_builtins(state)})
        return
    console.print(f"Enabled [bold]{plugin}[/bold] for {slug} with the config:")
    console.print_json(_config_text(state.config))


@plugins_app.command("disable")
def disable(slug: Slug, plugin: PluginName, as_json: JsonFlag = False) -> None:
    """Disable PLUGIN for the tenant SLUG; its data and config are kept for re-enabling."""
    host = plugin_host()

    async def work() -> Any:
        service = await _service(slug, host)
        await service.disable(plugin)
        return next(state for state in await service.list() if state.name == plugin)

    state = _run(work, as_json)
    if as_json:
        print_json({**_installed(host, plugin), **msgspec.to_builtins(state)})
        return
    console.print(f"Disabled [bold]{plugin}[/bold] for {slug}; its data and config are kept.")


@plugins_app.command("changes")
def changes(slug: Slug, plugin: PluginName, as_json: JsonFlag = False) -> None:
    """Every change of PLUGIN's state for the tenant SLUG: who, when, old and new config."""
    host = plugin_host()

    async def work() -> list[Any]:
        return await (await _service(slug, host)).history(plugin)

    history = _run(work, as_json)
    if as_json:
        print_json(history)
        return
    table = Table("when", "action", "by", "old config", "new config", title=f"{plugin} in {slug}")
    for change in history:
        table.add_row(
            str(change.changed_at),
            change.action,
            str(change.changed_by),
            "" if change.old_config is None else _config_text(change.old_config),
            "" if change.new_config is None else _config_text(change.new_config),
        )
    console.print(table)


@plugins_app.command("config-schema")
def config_schema(plugin: PluginName) -> None:
    """Print the JSON Schema of PLUGIN's config."""
    host = plugin_host()
    descriptor = host.descriptors.get(plugin)
    if descriptor is None:
        fail(f"No plugin called {plugin!r} is installed (or allowed by PATRON_PLUGINS).")
    schema = msgspec.json.encode(descriptor.config_schema())
    sys.stdout.write(msgspec.json.format(schema, indent=2).decode() + "\n")


@plugins_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="The plugin's name: a-z, 0-9 and _, 2-32 long.")],
    directory: Annotated[Path, typer.Option(help="Where to create the package's folder.")] = Path(
        "."
    ),
) -> None:
    """Scaffold a working plugin package: descriptor, config, a table with its migrations,
    a route, a hook and a test."""
    from cli.scaffold import ScaffoldError, scaffold_plugin

    try:
        root = scaffold_plugin(name, directory)
    except ScaffoldError as exc:
        fail(str(exc))
    typer.echo(f"Created {root}. Next, in Patron's environment:")
    typer.echo(f"  pip install -e '{root}[test]'")
    typer.echo(f"  cd {root} && pytest")
