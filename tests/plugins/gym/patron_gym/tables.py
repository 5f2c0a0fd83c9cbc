"""The gym's tables: tenant-scoped (`TenantTable`), named after the plugin, reached only
through the repositories in `patron_gym.repository`."""

from __future__ import annotations

from core import sdk
from piccolo.columns import UUID, Date, Timestamptz, Varchar


class Membership(sdk.TenantTable, tablename="gym_memberships"):
    customer_id = UUID(null=False)
    plan = Varchar(length=64)
    starts_on = Date()
    ends_on = Date()  # the last day covered
    created_at = Timestamptz()
    # Set by the daily "expire memberships" job once the end is recorded on the timeline.
    expired_at = Timestamptz(null=True, default=None)


class Welcome(sdk.TenantTable, tablename="gym_welcomes"):
    """One row per customer welcomed: the welcome task's idempotency key, written in the
    same transaction as the task (events are delivered at least once)."""

    customer_id = UUID(null=False)
    task_id = UUID(null=False)
    created_at = Timestamptz()
