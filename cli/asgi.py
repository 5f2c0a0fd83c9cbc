"""The composition root: the core app with the tenants package's routes (and, later, plugins)."""

from __future__ import annotations

import logging
import os

from litestar import Litestar

from core.app import create_app as create_core_app
from core.db import PICCOLO_CONF
from core.settings import Settings


def create_app() -> Litestar:
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    # Before plugin discovery, so that a skipped plugin's log line has a time and a level.
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s - %(asctime)s - %(name)s - %(message)s"
    )
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from tenants.routes import tenant_routes

    settings = Settings.from_env()
    host = PluginHost(discover(settings.plugins_allowlist))
    return create_core_app(settings, host, route_handlers=tenant_routes(settings))
