"""Route handlers of the core domain areas."""

from typing import Any

from core.domain.contacts.controller import ContactController
from core.domain.customers.controller import CustomerController
from core.domain.interactions.controller import InteractionController
from core.domain.payments.controller import PaymentController
from core.domain.tasks.controller import TaskController
from core.domain.timeline.controller import list_timeline
from core.domain.webhooks.controller import WebhookController
from core.messaging.controller import ChannelController, MessageController

CORE_ROUTES: list[Any] = [
    CustomerController,
    list_timeline,
    ContactController,
    TaskController,
    InteractionController,
    PaymentController,
    WebhookController,
    ChannelController,
    MessageController,
]
