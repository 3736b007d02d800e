"""Fixtures for every test: the session-wide Azurite Blob service (started on first use)."""

from tests.support.azurite import azurite  # noqa: F401  (the fixture is used by name)
