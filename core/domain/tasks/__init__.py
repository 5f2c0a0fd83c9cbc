"""Tasks: follow-ups to do for a customer, created by staff or by plugins."""
