"""The care plugin's descriptor (entry point `care = "plugins.care.plugin:CARE"`)."""

from __future__ import annotations

from core import sdk
from plugins.care import broadcasts, callbacks, greetings, routes
from plugins.care.config import CareConfig
from plugins.care.tables import TABLES

CARE = sdk.PluginDescriptor(
    name="care",
    title="Care",
    version="1.0.0",
    core_api=">=1.0,<2",
    description=(
        "Birthday and festival greetings (never Qingming), periodic callbacks, renewal "
        "notices and notices on demand, through the consent gate; a monthly report."
    ),
    config=CareConfig,
    tables=TABLES,
    piccolo_app="plugins.care.piccolo_app",
    routes=routes.ROUTES,
    schedules=[
        # Hourly: each tick sends what is due once the tenant's `send_at` has come.
        sdk.Schedule("greetings", greetings.EVERY, greetings.run),
        sdk.Schedule("callbacks", "daily 08:00", callbacks.run),
    ],
    jobs={
        greetings.GREET_JOB: greetings.greet,
        broadcasts.BROADCAST_JOB: broadcasts.send_batch,
    },
)
