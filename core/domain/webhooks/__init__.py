"""Outbound webhooks: endpoints a tenant subscribes to events, and their delivery log."""
