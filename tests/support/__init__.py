"""Helpers shared by Patron's own tests: one copy of each, imported from here.

The parts that start real processes (a PostgreSQL cluster, the HTTP API) and the HTTP
client types live in `core.testing` (`core.testing.postgres`, `core.testing.server`,
`core.testing.http`), where plugin authors use them too; tests import them from there.

- `backends`: which database backends a run covers (`BACKENDS`, from
  `PATRON_TEST_BACKENDS`).
- `expect`: what an answer should be (`ok`, `created`, `assert_problem`, `field_errors`).
- `wait`: polling for after-commit effects (`eventually`, `finished_run`).
- `payments`: paying and refunding through the API (`pay`, `refund`).
- `servers`: a server of a test's own on a fresh database (`own_server`, and as a
  per-backend fixture `own_server_fixture`), and `api_for`.
- `scenario`: running a scenario module in a process of its own (`run_scenario`);
  `in_process` holds what those modules share (`drain`).
- `webhooks`: a loopback webhook `Receiver` and `subscribe`.
- `loopback`: tiny HTTP servers on loopback for what a server calls out to.
- `database`: reads and changes a test server's database behind the app's back;
  `as_app_role` queries it as the app's own role (row-level security applies).
- `fixture_plugins`: installs the test-only plugins (the gym) for the session.
- `plugin_dist`: installs test plugins into a directory without pip
  (`install_plugin_module` for one-module plugins); `sample_plugins` holds some.
"""
