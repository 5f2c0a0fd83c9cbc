"""Helpers that start the real parts the tests run against.

`postgres` starts a throwaway PostgreSQL cluster and `server` starts the
Patron HTTP API as a child process; the fixtures in `tests/conftest.py` wire
them together. Nothing here mocks anything: the tests talk to real processes.
"""
