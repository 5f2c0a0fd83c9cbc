"""The education plugin's descriptor: what the plugin host loads (entry point
`education = "plugins.education.plugin:EDUCATION"`)."""

from __future__ import annotations

from core import sdk
from plugins.education import care, hooks, routes, services
from plugins.education.config import EducationConfig
from plugins.education.evaluation import SYNC_JOB
from plugins.education.tables import TABLES

EDUCATION = sdk.PluginDescriptor(
    name="education",
    title="Education",
    version="1.0.0",
    core_api=">=1.0,<2",
    description=(
        "Student tiering (key / attention / general), the service schedule each tier "
        "earns, lifecycle, enrolments and renewals, birthday and holiday care, funnel."
    ),
    config=EducationConfig,
    hooks=hooks,
    tables=TABLES,
    piccolo_app="plugins.education.piccolo_app",
    routes=routes.ROUTES,
    schedules=[
        sdk.Schedule("care", "daily 10:00", care.daily_care),
        sdk.Schedule("reevaluation", "monthly 1 03:00", hooks.periodic_reevaluation),
    ],
    jobs={
        SYNC_JOB: services.sync_services,
        care.GREET_JOB: care.greet,
        care.SERVE_JOB: care.serve_request,
    },
)
