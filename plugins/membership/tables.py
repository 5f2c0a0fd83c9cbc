"""The membership plugin's tables: tenant-scoped, prefixed `membership_`, reached only
through the repositories in `plugins.membership.repository`."""

from __future__ import annotations

from piccolo.columns import UUID, BigInt, Boolean, Integer, Text, Timestamptz, Varchar

from core import sdk


class Member(sdk.TenantTable, tablename="membership_members"):
    """A customer's standing on the ladder. One row per customer."""

    customer_id = UUID(null=False)
    # The level in force: the pin when there is one, else the computed level.
    level = Varchar(length=40, null=True, default=None)
    # The level the rule gives (minimums, or kept by grace or a never-downgrade floor).
    computed_level = Varchar(length=40, null=True, default=None)
    # The level the minimums alone give.
    qualified_level = Varchar(length=40, null=True, default=None)
    # Since when the customer is below the computed level, kept by the downgrade grace.
    below_since = Timestamptz(null=True, default=None)
    spend = BigInt(default=0)
    purchases = Integer(default=0)
    referrals = Integer(default=0)
    # A supervisor's pin wins over the computed level.
    pinned_level = Varchar(length=40, null=True, default=None)
    pin_reason = Text(null=True, default=None)
    pinned_by = UUID(null=True, default=None)
    pinned_at = Timestamptz(null=True, default=None)
    evaluated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class LevelChange(sdk.TenantTable, tablename="membership_level_changes"):
    """Every change of a member's level in force, with its reason (a first level too)."""

    customer_id = UUID(null=False)
    old_level = Varchar(length=40, null=True, default=None)
    new_level = Varchar(length=40, null=True, default=None)
    reason = Text()
    pinned = Boolean(default=False)
    changed_by = UUID(null=True, default=None)
    changed_at = Timestamptz()


class Referral(sdk.TenantTable, tablename="membership_referrals"):
    """A referral, recorded once per referred customer (unique), with the referrer's reward."""

    referred_id = UUID(null=False)
    referrer_id = UUID(null=False)
    referrer_level = Varchar(length=40, null=True, default=None)
    # Whether a reward was given (False: none for the level, or the cap was reached).
    rewarded = Boolean(default=False)
    points = Integer(default=0)
    task_id = UUID(null=True, default=None)
    note = Text(null=True, default=None)
    created_at = Timestamptz()


TABLES = [Member, LevelChange, Referral]
