"""The Piccolo app of the core and tenants tables; its migrations live beside this file.

Each plugin ships its own Piccolo app with its own migrations.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from migrations.tables import CORE_TABLES

APP_CONFIG = AppConfig(
    app_name="patron",
    migrations_folder_path=str(Path(__file__).parent / "patron"),
    table_classes=list(CORE_TABLES),
)
