from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-03T14:36:00:136438"
VERSION = "1.38.0"
DESCRIPTION = "outbox: kind (event | job) instead of the job: name prefix"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="patron", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="OutboxEvent",
        tablename="outbox_events",
        column_name="kind",
        db_column_name="kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 8,
            "default": "event",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def jobs_get_their_kind() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "UPDATE outbox_events SET kind = 'job', type = substr(type, 5) "
            "WHERE type LIKE 'job:%'"
        )

    manager.add_raw(jobs_get_their_kind)
    return manager
