"""The `patron` command (api.md §1)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cli.events import events_app
from cli.jobs import jobs_app, worker
from cli.output import console, fail, print_json
from cli.plugins import plugins_app
from cli.runtime import migrate, run
from cli.schedules import schedules_app

app = typer.Typer(help="Patron: multi-tenant customer management.", no_args_is_help=True)
tenants_app = typer.Typer(help="Manage tenants (platform operator).", no_args_is_help=True)
users_app = typer.Typer(help="Manage a tenant's staff.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(plugins_app, name="plugins")
app.add_typer(events_app, name="events")
app.add_typer(jobs_app, name="jobs")
app.add_typer(schedules_app, name="schedules")
app.command("worker")(worker)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="API processes on the one port.")] = 1,
    demo: Annotated[bool, typer.Option(help="Create a demo tenant and print its key.")] = False,
) -> None:
    """Run the HTTP API (migrates the embedded database on first start)."""
    from cli.serving import serve_app
    from core.settings import Settings

    settings = Settings.from_env()
    if settings.is_embedded_database:
        run(migrate)
    if demo:
        from cli.demo import create_demo, print_demo

        print_demo(run(create_demo), f"http://{host}:{port}")
    if workers > 1 and settings.redis_url is None:
        # One embedded Redis and one job worker for all the API processes, not one each.
        from cli.jobs import shared_embedded_jobs

        with shared_embedded_jobs():
            serve_app("cli.asgi:create_app", host=host, port=port, workers=workers)
        return
    serve_app("cli.asgi:create_app", host=host, port=port, workers=workers)


@app.command("migrate")
def migrate_command() -> None:
    """Apply all migrations, core and plugins, for the configured database."""
    run(migrate)
    console.print("[green]Database is up to date.[/green]")


@app.command()
def demo(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Create (or reuse) a demo tenant with sample data and print a fresh owner key."""
    from cli.demo import create_demo, print_demo

    run(migrate)
    result = run(create_demo)
    if as_json:
        print_json(result)
    else:
        print_demo(result, "http://127.0.0.1:8000")


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Option(help="Display name of the institution.")],
    slug: Annotated[str, typer.Option(help="Unique short name: a-z, 0-9 and dashes.")],
    plan: Annotated[str, typer.Option(help="free, pro or enterprise.")] = "free",
    admin_email: Annotated[str | None, typer.Option(help="E-mail of the owner.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Create a tenant and print its owner API key."""
    import msgspec

    from core.errors import PatronError
    from tenants.provisioning import create_tenant
    from tenants.schemas import SignupIn

    try:
        data = msgspec.convert(
            {
                "name": name,
                "slug": slug,
                "plan": plan,
                "admin_email": admin_email or f"owner@{slug}.example.com",
            },
            SignupIn,
        )
        result = run(lambda: create_tenant(data))
    except msgspec.ValidationError as exc:
        fail(str(exc))
    except PatronError as exc:
        fail(exc.detail)
    if as_json:
        print_json(result)
        return
    tenant = result.tenant
    console.print(f"Created tenant [bold]{tenant.name}[/bold] ({tenant.slug}), id {tenant.id}")
    console.print(f"Owner API key (shown once): [bold green]{result.api_key}[/bold green]")


def _tenant_table(rows: list[Any]) -> Table:
    table = Table("id", "slug", "name", "status", "plan", "timezone", "currency")
    for t in rows:
        table.add_row(str(t.id), t.slug, t.name, t.status, t.plan, t.timezone, t.currency)
    return table


@tenants_app.command("list")
def tenants_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List every tenant."""
    from tenants.provisioning import all_tenants

    rows = run(all_tenants)
    if as_json:
        print_json(rows)
    else:
        console.print(_tenant_table(rows))


def _set_status(slug: str, status: str, as_json: bool) -> None:
    from core.errors import PatronError
    from core.tenancy.context import TenantStatus
    from tenants.provisioning import set_status_by_slug

    try:
        tenant = run(lambda: set_status_by_slug(slug, TenantStatus(status)))
    except PatronError as exc:
        fail(exc.detail)
    if as_json:
        print_json(tenant)
    else:
        console.print(f"Tenant {tenant.slug} is now [bold]{tenant.status}[/bold].")


@tenants_app.command("suspend")
def tenants_suspend(slug: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Make a tenant read-only."""
    _set_status(slug, "suspended", as_json)


@tenants_app.command("resume")
def tenants_resume(slug: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Make a suspended tenant writable again."""
    _set_status(slug, "active", as_json)


@users_app.command("create")
def users_create(
    slug: Annotated[str, typer.Argument(help="The tenant's slug.")],
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="viewer, agent, supervisor, admin or owner.")] = "agent",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a staff member and print their first API key."""
    from core.errors import PatronError
    from tenants.provisioning import create_user_by_slug

    try:
        user, key = run(lambda: create_user_by_slug(slug, name, email, role))
    except PatronError as exc:
        fail(exc.detail)
    if as_json:
        print_json({"user": user, "api_key": key.key})
    else:
        console.print(f"Created {user.role} {user.name} <{user.email}>, id {user.id}")
        console.print(f"API key (shown once): [bold green]{key.key}[/bold green]")


if __name__ == "__main__":
    app()
