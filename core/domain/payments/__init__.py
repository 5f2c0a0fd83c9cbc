"""Payments: money received from, or refunded to, a customer."""
