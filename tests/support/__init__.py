"""Helpers shared by Patron's own tests.

The parts that start real processes (a PostgreSQL cluster, the HTTP API) live in
`core.testing` (`core.testing.postgres`, `core.testing.server`, `core.testing.http`),
where plugin authors use them too; tests import them from there.

- `backends`: which database backends a run covers (`BACKENDS`, from
  `PATRON_TEST_BACKENDS`).
- `database`: reads and changes a test server's database behind the app's back.
- `fixture_plugins`: installs the test-only plugins for the session.
- `plugin_dist`: installs test plugins into a directory without pip;
  `sample_plugins` holds them.
"""
