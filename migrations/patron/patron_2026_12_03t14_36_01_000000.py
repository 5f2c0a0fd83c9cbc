from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T14:36:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox: queued jobs get their kind instead of the 'job:' name prefix"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="patron", description=DESCRIPTION)

    async def jobs_get_their_kind() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "UPDATE outbox_events SET kind = 'job', type = substr(type, 5) "
            "WHERE type LIKE 'job:%'"
        )

    manager.add_raw(jobs_get_their_kind)
    return manager
