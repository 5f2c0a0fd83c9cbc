"""Raw migration steps shared by the core's and plugins' migrations.

Piccolo cannot express composite indexes or row-level security, so migrations call
these from `MigrationManager.add_raw`. Each step names its tables explicitly: a
migration is a frozen record of what it did, not a reflection of today's code.
"""

from __future__ import annotations

from piccolo.engine import engine_finder

# A setting that was never made, or was reset at the end of a transaction, reads as ''.
TENANT_SETTING = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


async def _run(sql: str) -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(sql)


def _is_postgres() -> bool:
    engine = engine_finder()
    return engine is not None and engine.engine_type == "postgres"


async def enable_tenant_rls(*tables: str) -> None:
    """Row-level security on tenant tables (PostgreSQL; SQLite has none)."""
    if not _is_postgres():
        return
    for table in tables:
        await _run(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        await _run(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        await _run(
            f'CREATE POLICY tenant_isolation ON "{table}" '
            f"USING (tenant_id = {TENANT_SETTING}) WITH CHECK (tenant_id = {TENANT_SETTING})"
        )


async def create_index(table: str, *columns: str, unique: bool = False) -> None:
    """An index (or unique constraint) led by `tenant_id` on both backends."""
    name = f"{table}_{'_'.join(columns)}_{'key' if unique else 'idx'}"
    kind = "UNIQUE INDEX" if unique else "INDEX"
    cols = ", ".join(f'"{c}"' for c in columns)
    await _run(f'CREATE {kind} IF NOT EXISTS "{name}" ON "{table}" ({cols})')
