"""Fixtures for the accounts tests: one user per role, and codes from their authenticator."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _two_factor_enforced(settings: Any) -> None:
    """TEMPORARY: enforce the second factor in these tests until config/settings.py lists the middleware."""
    middleware = "apps.accounts.middleware.TwoFactorRequiredMiddleware"
    if middleware not in settings.MIDDLEWARE:
        at = settings.MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1
        settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], middleware, *settings.MIDDLEWARE[at:]]


@pytest.fixture
def reviewer(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.REVIEWER).user


@pytest.fixture
def lead(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.LEAD).user


@pytest.fixture
def observer(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.OBSERVER).user


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(is_staff=True)


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(is_staff=True, is_superuser=True)
