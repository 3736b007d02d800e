"""Fixtures for every test: the session-wide Azurite Blob services (started on first use),
plain http with the account key, and https with OAuth (`--oauth basic`)."""

from tests.support.azurite import azurite  # noqa: F401  (the fixture is used by name)
from tests.support.azurite_oauth import azurite_oauth  # noqa: F401  (used by name)
