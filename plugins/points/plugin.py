"""The points plugin's descriptor: what the plugin host loads (entry point
`points = "plugins.points.plugin:POINTS"`)."""

from __future__ import annotations

from core import sdk
from plugins.points import hooks, routes
from plugins.points.config import NAME, PointsConfig
from plugins.points.tables import TABLES

POINTS = sdk.PluginDescriptor(
    name=NAME,
    title="Points",
    version="1.0.0",
    core_api=">=1.0,<2",
    description=(
        "A loyalty points ledger: points earned on payments, referrals, activities and "
        "campaigns, kept in lots that expire; a catalogue of rewards and redemptions."
    ),
    config=PointsConfig,
    hooks=hooks,
    tables=TABLES,
    piccolo_app="plugins.points.piccolo_app",
    routes=routes.ROUTES,
    schedules=[sdk.Schedule("expiry", "daily 02:00", hooks.expire_due)],
)
