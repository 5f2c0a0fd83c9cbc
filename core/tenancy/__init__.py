"""Tenancy: who the caller is, and the only way to reach a tenant's rows."""
