"""The gym's descriptor: what the plugin host loads (entry point `gym = "patron_gym.plugin:GYM"`).

It names its hooks, routes, jobs and subscriptions as `"module:attr"` strings, which the
host resolves when it loads the plugin: this module imports only config, tables and event
Structs, and no module of the package imports it back.
"""

from __future__ import annotations

from core import sdk

from patron_gym.config import GymConfig
from patron_gym.events import MembershipStarted
from patron_gym.tables import Membership, Welcome

GYM = sdk.PluginDescriptor(
    name="gym",
    title="Gym memberships",
    version="0.1.0",
    core_api=">=2.0,<3",
    description="Memberships with plans, welcome tasks, renewal notices and expiry.",
    config=GymConfig,
    hooks="patron_gym.hooks",
    tables=[Membership, Welcome],
    piccolo_app="patron_gym.piccolo_app",
    routes="patron_gym.routes:ROUTES",
    schedules=[sdk.Schedule("expire-memberships", "daily 02:00", "patron_gym.schedule:expire")],
    events=[MembershipStarted],
    subscriptions={"customer.created": "patron_gym.reactions:welcome"},
)
