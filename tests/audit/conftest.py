"""The API fixtures (users per role on VARIED, cheap password hashes) for the audit tests."""

from tests.api.conftest import api, cheap_password_hashes

__all__ = ["api", "cheap_password_hashes"]
