"""Contact queries, always within one tenant."""

from __future__ import annotations

import datetime
import uuid

from core.domain.contacts.tables import Contact
from core.tenancy.repository import TenantRepository


class ContactRepository(TenantRepository[Contact]):
    table = Contact

    async def unset_primary(
        self, customer_id: uuid.UUID, now: datetime.datetime, *, keep: uuid.UUID | None = None
    ) -> None:
        """Clear the primary flag of the customer's contacts, except `keep`."""
        query = self.update_where({Contact.is_primary: False, Contact.updated_at: now}).where(
            Contact.customer_id == customer_id, Contact.is_primary.eq(True)
        )
        if keep is not None:
            query = query.where(Contact.id != keep)
        await query
