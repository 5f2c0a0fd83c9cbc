"""Piccolo configuration: the engine comes from PATRON_DATABASE_URL.

Plugin apps are appended to the registry by the plugin host at start-up.
"""

from piccolo.conf.apps import AppRegistry

from core.db import create_engine, database_url_from_env

DB = create_engine(database_url_from_env())

APP_REGISTRY = AppRegistry(apps=["migrations.piccolo_app"])
