"""A customer's timeline: interactions, tasks, payments, changes and plugin events."""
