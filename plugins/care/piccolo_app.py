"""The care plugin's Piccolo app: its tables and migrations (applied by `patron migrate`)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.care.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="care",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
)
