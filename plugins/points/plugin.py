"""The points plugin's descriptor: what the plugin host loads (entry point
`points = "plugins.points.plugin:POINTS"`).

Its hooks, routes, schedules and subscriptions are `"module:attr"` strings the host resolves
at load: this module imports only config, tables and event Structs, and no module of the
package imports it back (tests/architecture checks for import cycles).
"""

from __future__ import annotations

from core import sdk
from plugins.points.config import PointsConfig
from plugins.points.events import PointsEarned, PointsRedeemed
from plugins.points.tables import TABLES

REACTIONS = "plugins.points.reactions"

POINTS = sdk.PluginDescriptor(
    name="points",
    title="Points",
    version="1.0.0",
    core_api=">=2.0,<3",
    description=(
        "A loyalty points ledger: points earned on payments, referrals, activities and "
        "campaigns, kept in lots that expire; a catalogue of rewards and redemptions."
    ),
    config=PointsConfig,
    hooks="plugins.points.hooks",
    tables=TABLES,
    piccolo_app="plugins.points.piccolo_app",
    routes="plugins.points.routes:ROUTES",
    schedules=[sdk.Schedule("expiry", "daily 02:00", f"{REACTIONS}:expire_due")],
    events=[PointsEarned, PointsRedeemed],
    subscriptions={
        "payment.recorded": f"{REACTIONS}:on_payment_recorded",
        "task.completed": f"{REACTIONS}:on_task_completed",
        "interaction.logged": f"{REACTIONS}:on_interaction_logged",
        # The membership plugin's referral reward; a Struct of our own decodes it.
        "membership.referral_rewarded": f"{REACTIONS}:on_referral_rewarded",
    },
)
