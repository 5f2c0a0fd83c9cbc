"""The education plugin's descriptor: what the plugin host loads (entry point
`education = "plugins.education.plugin:EDUCATION"`).

Its hooks, routes, jobs, schedules and subscriptions are `"module:attr"` strings the host
resolves at load: this module imports only config, tables and event Structs, and no module
of the package imports it back (tests/architecture checks for import cycles).
"""

from __future__ import annotations

from core import sdk
from plugins.education.config import EducationConfig
from plugins.education.events import (
    EnrollmentCreated,
    EnrollmentDeleted,
    OverrideRequested,
    TierChanged,
)
from plugins.education.tables import TABLES

REACTIONS = "plugins.education.reactions"

EDUCATION = sdk.PluginDescriptor(
    name="education",
    title="Education",
    version="1.0.0",
    core_api=">=2.0,<3",
    description=(
        "Student tiering (key / attention / general), the service schedule each tier "
        "earns, lifecycle, enrolments and renewals, birthday and holiday care, funnel."
    ),
    config=EducationConfig,
    hooks="plugins.education.hooks",
    tables=TABLES,
    piccolo_app="plugins.education.piccolo_app",
    routes="plugins.education.routes:ROUTES",
    schedules=[
        sdk.Schedule("care", "daily {care_check_time}", "plugins.education.care:daily_care"),
        sdk.Schedule("lifecycle", "daily 01:00", "plugins.education.lifecycle:daily_lifecycle"),
        sdk.Schedule(
            "reevaluation", "monthly 1 03:00", "plugins.education.hooks:periodic_reevaluation"
        ),
    ],
    jobs={
        "sync_services": "plugins.education.services:sync_services",
        "greet": "plugins.education.care:greet",
        "serve_request": "plugins.education.care:serve_request",
    },
    events=[TierChanged, OverrideRequested, EnrollmentCreated, EnrollmentDeleted],
    subscriptions={
        "plugin.enabled": f"{REACTIONS}:on_enabled",
        "plugin.reconfigured": f"{REACTIONS}:on_reconfigured",
        "customer.created": f"{REACTIONS}:on_customer_created",
        "customer.updated": f"{REACTIONS}:on_customer_updated",
        "customer.deleted": f"{REACTIONS}:on_customer_deleted",
        "payment.recorded": f"{REACTIONS}:on_payment_recorded",
        "task.completed": f"{REACTIONS}:on_task_completed",
        "interaction.logged": f"{REACTIONS}:on_interaction_logged",
    },
)
