"""Piccolo configuration: the engine comes from PATRON_DATABASE_URL; the apps are the
core's and those of the installed plugins allowed by PATRON_PLUGINS."""

import os

from piccolo.conf.apps import AppRegistry

from core.db import create_engine, database_url_from_env
from core.plugins.loader import discover, parse_allowlist

DB = create_engine(database_url_from_env())

_plugins = discover(parse_allowlist(os.environ.get("PATRON_PLUGINS")))
APP_REGISTRY = AppRegistry(
    apps=["migrations.piccolo_app", *(p.piccolo_app for p in _plugins if p.piccolo_app)]
)
