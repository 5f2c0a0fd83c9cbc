"""Webhook endpoints and their deliveries (api.md §7)."""

from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar

from core.tenancy.tables import TenantTable


class WebhookEndpoint(TenantTable, tablename="webhook_endpoints"):
    url = Varchar(length=2000)
    events = Text(default="[]")  # JSON list of event types, "*" for all
    secret_encrypted = Text()  # `whsec_…`, encrypted with core.crypto.FieldCipher
    enabled = Boolean(default=True)
    # Deliveries that failed for good in a row; reaching the limit disables the endpoint.
    consecutive_failures = Integer(default=0)
    disabled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WebhookDelivery(TenantTable, tablename="webhook_deliveries"):
    """One event for one endpoint. Found due across tenants by the job relay, so it is
    exempt from row-level security (see `RLS_EXEMPT`); unique per (tenant, endpoint, event)."""

    endpoint_id = UUID()
    event_id = UUID()
    event_type = Varchar(length=64)
    body = Text()  # the exact JSON posted and signed on every attempt
    status = Varchar(length=16, default="pending")  # pending | succeeded | failed
    attempt = Integer(default=0)  # attempts made so far
    next_attempt_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
    response_code = Integer(null=True, default=None)
    duration_ms = Integer(null=True, default=None)
    error = Text(null=True, default=None)
    created_at = Timestamptz()
    last_attempt_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
