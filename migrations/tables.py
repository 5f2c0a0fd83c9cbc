"""Every table of the core and tenants, in creation order."""

from core.domain.customers.tables import Consent, Customer, CustomerTag
from core.domain.timeline.tables import TimelineEntry
from core.tenancy.tables import ApiKey, IdempotencyRecord, Tenant, User

CORE_TABLES = (
    Tenant,
    User,
    ApiKey,
    IdempotencyRecord,
    Customer,
    CustomerTag,
    Consent,
    TimelineEntry,
)
