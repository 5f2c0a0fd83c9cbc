"""The care plugin's tables: tenant-scoped, prefixed `care_`."""

from __future__ import annotations

from piccolo.columns import UUID, Date, Integer, Timestamptz, Varchar

from core import sdk


class CareLog(sdk.TenantTable, tablename="care_log"):
    """One thing care did for one customer: a greeting, a broadcast notice, a renewal notice
    (each a message, or `skipped_no_address`) or a callback task. Unique per
    (tenant_id, cause): what runs twice is logged, and done, once."""

    kind = Varchar(length=16)  # greeting | broadcast | renewal | callback
    occasion = Varchar(length=64)  # occasion key, broadcast label, renewal label, rule name
    channel = Varchar(length=16, null=True, default=None)
    customer_id = UUID(null=True, default=None)
    cause = Varchar(length=240)
    # queued | blocked | skipped_no_address | task (the message's later status is read live)
    outcome = Varchar(length=24)
    message_cause = Varchar(length=200, null=True, default=None)
    run_id = UUID(null=True, default=None)  # the broadcast
    served_on = Date()  # the tenant-local day
    created_at = Timestamptz()


class Renewal(sdk.TenantTable, tablename="care_renewals"):
    """A date the plugin learnt of (an enrolment's end, a subscription's expiry): a notice
    goes out `days_before` it. Unique per (tenant_id, customer_id, label, due_on)."""

    customer_id = UUID()
    label = Varchar(length=200)
    due_on = Date()
    notify_on = Date()
    days_before = Integer()
    created_at = Timestamptz()


class Broadcast(sdk.TenantTable, tablename="care_broadcasts"):
    """A notice sent on demand to a segment."""

    label = Varchar(length=64)
    body = Varchar(length=2000)
    channel = Varchar(length=16)
    purpose = Varchar(length=16)
    tag = Varchar(length=50, null=True, default=None)
    customers = Integer(default=0)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz()


TABLES = (CareLog, Renewal, Broadcast)
