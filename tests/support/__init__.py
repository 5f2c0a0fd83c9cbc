"""Helpers for Patron's own tests.

The parts that start real processes (a PostgreSQL cluster, the HTTP API) moved to
`core.testing`, where plugin authors can use them too; `postgres` and `server` here
re-export them for the tests that import them from their old place. `plugin_dist`
installs test plugins into a directory without pip, and `sample_plugins` holds them.
"""
