"""Contacts: the people attached to a customer (parents, an organization's contact persons)."""
