"""Channels (one per kind and tenant) and the messages queued on them."""

from piccolo.columns import JSON, UUID, Boolean, Integer, Text, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class MessageChannel(TenantTable, tablename="message_channels"):
    """How a tenant sends one kind of message; unique per (tenant_id, kind).

    `config` holds the validated settings; secrets in it (the SMTP password, the HTTP
    headers) are stored encrypted with the field cipher."""

    kind = Varchar(length=16)  # email | http
    enabled = Boolean(default=True)
    config = JSON(default="{}")
    updated_by = UUID(null=True, default=None)
    updated_at = Timestamptz()


class Message(TenantTable, tablename="messages"):
    """One message to one recipient; unique per (tenant_id, cause_key), so a cause (a plugin's
    "welcome:<customer>") is never queued, nor sent, twice.

    Read across tenants by the message relay (only to find due ids), so it is exempt from
    row-level security (see `RLS_EXEMPT`); everything else goes through its repository."""

    channel = Varchar(length=16)  # the channel kind
    recipient = Varchar(length=320)
    subject = Varchar(length=300, null=True, default=None)
    body = Text()
    cause_key = Varchar(length=200)
    customer_id = UUID(null=True, default=None)
    status = Varchar(length=16, default="queued")  # queued | sent | failed | blocked
    # marketing | service: what the consent gate checks (api.md §4).
    purpose = Varchar(length=16, default="service")
    # Why a message was held back (status "blocked"); it is never sent later.
    reason = Text(null=True, default=None)
    attempts = Integer(default=0)
    error = Text(null=True, default=None)
    next_attempt_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
