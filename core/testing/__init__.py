"""Testing against the real thing: for Patron's own tests and for plugin authors.

- `postgres`: a throwaway PostgreSQL cluster with an unprivileged application role.
- `server`: the Patron HTTP API as a child process, configured only by environment.
- `http`: httpx clients for such a server, and tenants made through its platform API.
- `pytest_plugin`: the `patron_*` fixtures, registered as the `patron` pytest11 entry
  point, so every project that installs Patron has them (see docs/plugins.md).

Nothing here mocks anything, and nothing here is imported by the application itself.
"""
