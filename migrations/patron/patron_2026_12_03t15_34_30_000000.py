from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T15:34:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "consent gate: tenants.marketing_consent, messages.purpose and reason"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="patron", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Tenant",
        tablename="tenants",
        column_name="marketing_consent",
        db_column_name="marketing_consent",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 10,
            "default": "opt_in",
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

    manager.add_column(
        table_class_name="Message",
        tablename="messages",
        column_name="purpose",
        db_column_name="purpose",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "service",
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

    manager.add_column(
        table_class_name="Message",
        tablename="messages",
        column_name="reason",
        db_column_name="reason",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": None,
            "null": True,
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

    return manager
