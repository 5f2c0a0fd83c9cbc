"""The points plugin's Piccolo app: its tables and migrations (applied by `patron migrate`)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.points.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="points",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
)
