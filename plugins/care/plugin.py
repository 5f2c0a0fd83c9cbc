"""The care plugin's descriptor (entry point `care = "plugins.care.plugin:CARE"`).

Its routes, jobs, schedules and subscriptions are `"module:attr"` strings the host resolves
at load: this module imports only config and tables, and no module of the package imports
it back (tests/architecture checks for import cycles).
"""

from __future__ import annotations

from core import sdk
from plugins.care.config import CareConfig
from plugins.care.tables import TABLES

REACTIONS = "plugins.care.reactions"

CARE = sdk.PluginDescriptor(
    name="care",
    title="Care",
    version="2.0.0",
    core_api=">=2.0,<3",
    description=(
        "Birthday and festival greetings (never Qingming), periodic callbacks, renewal "
        "notices and notices on demand, through the consent gate; a monthly report."
    ),
    config=CareConfig,
    tables=TABLES,
    piccolo_app="plugins.care.piccolo_app",
    routes="plugins.care.routes:ROUTES",
    schedules=[
        # At each tenant's `send_at` (tenant-local): the day's greetings and renewal notices.
        sdk.Schedule("greetings", "daily {send_at}", "plugins.care.greetings:run"),
        sdk.Schedule("callbacks", "daily 08:00", "plugins.care.callbacks:run"),
    ],
    jobs={
        "greet": "plugins.care.greetings:greet",
        "broadcast": "plugins.care.broadcasts:send_batch",
    },
    subscriptions={
        # Renewal dates other plugins publish; care decodes them into Structs of its own.
        "education.enrollment_created": f"{REACTIONS}:on_enrollment_created",
        "education.enrollment_deleted": f"{REACTIONS}:on_enrollment_deleted",
    },
)
