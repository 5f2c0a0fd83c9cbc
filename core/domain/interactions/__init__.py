"""Interactions: calls, messages, visits, notes and e-mails logged against a customer."""
