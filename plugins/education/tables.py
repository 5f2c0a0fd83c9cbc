"""The education plugin's tables: tenant-scoped, prefixed `education_`, reached only through
the repositories in `plugins.education.repository`."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, BigInt, Boolean, Date, Integer, Text, Timestamptz, Varchar

from core import sdk


class Student(sdk.TenantTable, tablename="education_students"):
    """A customer as a student: profile, lifecycle and tier. One row per customer."""

    customer_id = UUID(null=False)
    position = Varchar(length=40, null=True, default=None)
    school_stage = Varchar(length=40, null=True, default=None)
    intent = Varchar(length=10, null=True, default=None)
    lifecycle_stage = Varchar(length=20, default="lead")
    # The rule's answer and its levels, kept current by re-evaluation.
    computed_tier = Varchar(length=10, default="general")
    position_level = Integer(default=0)
    paid_level = Integer(default=0)
    duration_level = Integer(default=0)
    # A supervisor's override wins over the computed tier.
    override_tier = Varchar(length=10, null=True, default=None)
    override_reason = Text(null=True, default=None)
    override_by = UUID(null=True, default=None)
    override_at = Timestamptz(null=True, default=None)
    # The tier in force (the override, else the computed tier); null until first evaluated.
    tier = Varchar(length=10, null=True, default=None)
    evaluated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Enrollment(sdk.TenantTable, tablename="education_enrollments"):
    customer_id = UUID(null=False)
    course = Varchar(length=200)
    starts_on = Date()
    ends_on = Date()  # the last day covered
    fee = BigInt(default=0)  # minor units of `currency`
    currency = Varchar(length=3)
    reminder_task_id = UUID(null=True, default=None)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz()


class TierChange(sdk.TenantTable, tablename="education_tier_changes"):
    """Every change of a student's tier in force, with its reason; shown on the timeline."""

    customer_id = UUID(null=False)
    old_tier = Varchar(length=10, null=True, default=None)
    new_tier = Varchar(length=10)
    computed_tier = Varchar(length=10)
    overridden = Boolean(default=False)
    reason = Text()
    changed_by = UUID(null=True, default=None)
    changed_at = Timestamptz()


class OverrideRequest(sdk.TenantTable, tablename="education_override_requests"):
    """A staff member's request for a different tier, approved or rejected by a supervisor."""

    customer_id = UUID(null=False)
    tier = Varchar(length=10)
    reason = Text()
    status = Varchar(length=10, default="pending")  # pending | approved | rejected
    requested_by = UUID(null=True, default=None)
    decided_by = UUID(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Text(null=True, default=None)
    created_at = Timestamptz()


class ServiceTask(sdk.TenantTable, tablename="education_service_tasks"):
    """The open task of each recurring service a student's tier earns: at most one per
    (customer, service), so re-evaluating any number of times never duplicates it."""

    customer_id = UUID(null=False)
    service = Varchar(length=40)
    task_id = UUID(null=False)
    due_at = Timestamptz()
    created_at = Timestamptz()


class ServiceLog(sdk.TenantTable, tablename="education_service_log"):
    """One row per occasion served (a birthday, a holiday greeting, a referral, an opinion):
    unique by (service, cause), so a job that runs twice serves it once."""

    service = Varchar(length=40)
    cause = Varchar(length=200)
    customer_id = UUID(null=True, default=None)
    task_id = UUID(null=True, default=None)
    message_cause = Varchar(length=200, null=True, default=None)
    detail = JSON(default="{}")
    served_on = Date()  # tenant local date
    created_at = Timestamptz()


class StageChange(sdk.TenantTable, tablename="education_stage_changes"):
    """Each move along the lifecycle: what the funnel counts."""

    customer_id = UUID(null=False)
    old_stage = Varchar(length=20, null=True, default=None)
    new_stage = Varchar(length=20)
    changed_by = UUID(null=True, default=None)
    changed_at = Timestamptz()


TABLES = [Student, Enrollment, TierChange, OverrideRequest, ServiceTask, ServiceLog, StageChange]
