"""The consent gate (api.md §4): whether a message of a purpose may go to a customer.

A message is sent only when the customer has not withdrawn consent for its purpose and,
for `marketing`, holds an active `marketing` consent (tenant setting
`marketing_consent: "opt_in"`, the default) or merely has not withdrawn it (`"opt_out"`).
Consulted by `queue_message` (every message) and again by the sender just before a send;
withdrawing a consent blocks the customer's queued messages of that purpose at once.
"""

from __future__ import annotations

import uuid

from core.domain.customers.repository import ConsentRepository
from core.domain.customers.tables import Consent
from core.messaging.repository import MessageRepository
from core.messaging.schemas import MessageStatus, Purpose
from core.messaging.tables import Message
from core.tenancy.tables import Tenant

OPT_IN = "opt_in"
OPT_OUT = "opt_out"


async def marketing_mode(tenant_id: uuid.UUID) -> str:
    row = await Tenant.select(Tenant.marketing_consent).where(Tenant.id == tenant_id).first()
    return (row or {}).get("marketing_consent") or OPT_IN


async def refusal(
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    purpose: str,
    *,
    mode: str | None = None,
) -> str | None:
    """Why a message of `purpose` to `customer_id` must not be sent, or None when it may.
    Call inside a tenant transaction. A message to no customer (staff, a desk) has no
    consent to consult; `queue_message` refuses marketing without a customer."""
    if customer_id is None:
        return None
    rows = (
        await ConsentRepository(tenant_id)
        .select(Consent.withdrawn_at)
        .where(Consent.customer_id == customer_id, Consent.purpose == purpose)
    )
    active = any(row["withdrawn_at"] is None for row in rows)
    if active:
        return None
    if rows:  # every consent to this purpose was withdrawn
        return f"{purpose} consent withdrawn"
    if purpose == Purpose.marketing and (mode or await marketing_mode(tenant_id)) == OPT_IN:
        return "no active marketing consent (tenant setting marketing_consent: opt_in)"
    return None


async def block_queued(
    tenant_id: uuid.UUID, customer_id: uuid.UUID, purpose: str, reason: str
) -> int:
    """Block the customer's queued, unsent messages of `purpose` (a consent was withdrawn);
    how many. Call inside the write transaction that withdraws."""
    blocked = await (
        MessageRepository(tenant_id)
        .update_where({Message.status: str(MessageStatus.blocked), Message.reason: reason})
        .where(
            Message.customer_id == customer_id,
            Message.purpose == purpose,
            Message.status == str(MessageStatus.queued),
        )
        .returning(Message.id)
    )
    return len(blocked)
