"""Fixtures for the dashboard tests: the case tests' people (one member per role, another case, an outsider)."""

from tests.cases.conftest import people

__all__ = ["people"]
