"""The service fixtures (database per backend, app with the fake model, keys per role)."""

from tests.service.conftest import api, clock, database_url, settings, trained_home  # noqa: F401
