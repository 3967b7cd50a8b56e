"""Fixtures for the case tests: a case with one member per role, and signing in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, MembershipFactory, UserFactory


def sign_in(client: Client, user: User) -> None:
    """Sign the user in as the pages expect: leads and reviewers with a session verified by a second factor."""
    login_verified(client, user)


@dataclass(frozen=True)
class People:
    """alice leads the case; the others hold the other roles; mallory is in another case; oscar in none."""

    case: Case
    lead: User
    reviewer: User
    investigator: User
    observer: User
    other_member: User
    outsider: User

    def by_name(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


@pytest.fixture
def people(db: None) -> People:
    case = CaseFactory(reference="UA-2022-0001", title="Kharkiv shelling")
    other_case = CaseFactory(reference="UA-2022-0002", title="Another case")
    return People(
        case=case,
        lead=MembershipFactory(case=case, role=CaseRole.LEAD, user=UserFactory(username="alice")).user,
        reviewer=MembershipFactory(case=case, role=CaseRole.REVIEWER, user=UserFactory(username="rita")).user,
        investigator=MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user=UserFactory(username="ivan")).user,
        observer=MembershipFactory(case=case, role=CaseRole.OBSERVER, user=UserFactory(username="olga")).user,
        other_member=MembershipFactory(case=other_case, role=CaseRole.LEAD, user=UserFactory(username="mallory")).user,
        outsider=UserFactory(username="oscar"),
    )
