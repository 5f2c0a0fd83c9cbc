"""Interaction queries, always within one tenant."""

from __future__ import annotations

from core.domain.interactions.tables import Interaction
from core.tenancy.repository import TenantRepository


class InteractionRepository(TenantRepository[Interaction]):
    table = Interaction
