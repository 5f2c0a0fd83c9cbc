"""The gym's Piccolo app: its tables and its own migrations (applied by `patron migrate`)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from patron_gym.tables import Membership, Welcome

APP_CONFIG = AppConfig(
    app_name="gym",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Membership, Welcome],
)
