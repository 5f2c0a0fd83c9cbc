"""patron-gym: gym memberships for Patron, built on the public SDK (`core.sdk`) only."""

from __future__ import annotations

from core import sdk

from patron_gym import hooks, routes, schedule
from patron_gym.config import GymConfig
from patron_gym.tables import Membership, Welcome

GYM = sdk.PluginDescriptor(
    name="gym",
    title="Gym memberships",
    version="0.1.0",
    core_api=">=1.0,<2",
    description="Memberships with plans, welcome tasks, renewal notices and expiry.",
    config=GymConfig,
    hooks=hooks,
    tables=[Membership, Welcome],
    piccolo_app="patron_gym.piccolo_app",
    routes=routes.ROUTES,
    schedules=[sdk.Schedule("expire-memberships", "daily 02:00", schedule.expire_memberships)],
)

__all__ = ["GYM"]
