"""Customers: people and organizations a tenant serves."""
