"""The membership plugin's descriptor: what the plugin host loads (entry point
`membership = "plugins.membership.plugin:MEMBERSHIP"`).

Its hooks, routes, schedules and subscriptions are `"module:attr"` strings the host
resolves at load: this module imports only config, tables and event Structs, and no module
of the package imports it back (tests/architecture checks for import cycles).
"""

from __future__ import annotations

from core import sdk
from plugins.membership.config import MembershipConfig
from plugins.membership.events import LevelChanged, ReferralRewarded
from plugins.membership.tables import TABLES

REACTIONS = "plugins.membership.reactions"

MEMBERSHIP = sdk.PluginDescriptor(
    name="membership",
    title="Membership",
    version="1.0.0",
    core_api=">=2.0,<3",
    description=(
        "Membership levels (ordinary / silver / gold / platinum) from spend, purchases and "
        "referrals over a window, with benefits, downgrade grace, pins and referral rewards."
    ),
    config=MembershipConfig,
    hooks="plugins.membership.hooks",
    tables=TABLES,
    piccolo_app="plugins.membership.piccolo_app",
    routes="plugins.membership.routes:ROUTES",
    schedules=[sdk.Schedule("levels", "daily 02:00", f"{REACTIONS}:daily_reevaluation")],
    events=[LevelChanged, ReferralRewarded],
    subscriptions={
        "plugin.enabled": f"{REACTIONS}:on_plugin_enabled",
        "plugin.reconfigured": f"{REACTIONS}:on_plugin_reconfigured",
        "payment.recorded": f"{REACTIONS}:on_payment_recorded",
        "customer.created": f"{REACTIONS}:on_customer_created",
        "customer.updated": f"{REACTIONS}:on_customer_updated",
        "customer.deleted": f"{REACTIONS}:on_customer_deleted",
    },
)
