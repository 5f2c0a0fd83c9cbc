"""Outbound network access: where the process may connect on a tenant's behalf."""
