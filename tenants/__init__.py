"""Tenant lifecycle: signup, plans and billing, staff and keys, plugin enablement."""
