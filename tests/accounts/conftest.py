"""Fixtures for the accounts tests: one user per role."""

from __future__ import annotations

import pytest

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from tests.factories import MembershipFactory, UserFactory


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
