"""Every table of the core and tenants, in creation order."""

from core.domain.contacts.tables import Contact
from core.domain.customers.tables import Consent, Customer, CustomerTag
from core.domain.interactions.tables import Interaction
from core.domain.payments.tables import Payment
from core.domain.tasks.tables import Task
from core.domain.timeline.tables import TimelineEntry
from core.domain.webhooks.tables import WebhookDelivery, WebhookEndpoint
from core.events import OutboxEvent
from core.jobs.ondemand import ScheduleRequest
from core.jobs.scheduler import ScheduleRun
from core.messaging.tables import Message, MessageChannel
from core.plugins.state import PluginConfigChange, TenantPlugin
from core.tenancy.tables import ApiKey, IdempotencyRecord, Tenant, User

CORE_TABLES = (
    Tenant,
    User,
    ApiKey,
    IdempotencyRecord,
    Customer,
    CustomerTag,
    Consent,
    Contact,
    Task,
    Interaction,
    Payment,
    TimelineEntry,
    TenantPlugin,
    PluginConfigChange,
    OutboxEvent,
    ScheduleRun,
    MessageChannel,
    Message,
    WebhookEndpoint,
    WebhookDelivery,
    ScheduleRequest,
)
