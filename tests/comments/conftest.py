"""Comment fixtures: one case with an item and an incident, its members, and the usual outsiders.

Access tests use alice (an investigator of the case), bob (a lead of another
case) and charlie (a member of no case); oscar is an observer of the case.
"""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory


def sign_in(client: Client, user: User) -> None:
    """Sign the user in for a test with a second factor used, as reviewers and leads must have."""
    login_verified(client, user)


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(reference="UA-2022-0001", title="Shelling of a residential block")


@pytest.fixture
def item(case: Case) -> EvidenceItem:
    return EvidenceItemFactory(case=case, number=7)


@pytest.fixture
def restricted_item(case: Case) -> EvidenceItem:
    return EvidenceItemFactory(case=case, number=8, reveals_witness_identity=True)


@pytest.fixture
def incident(case: Case) -> Incident:
    return IncidentFactory(case=case, title="Strike on Hlinka Street")


@pytest.fixture
def alice(case: Case) -> User:
    return MembershipFactory(user__username="alice", case=case, role=CaseRole.INVESTIGATOR).user


@pytest.fixture
def olena(case: Case) -> User:
    return MembershipFactory(user__username="olena", case=case, role=CaseRole.INVESTIGATOR).user


@pytest.fixture
def oscar(case: Case) -> User:
    return MembershipFactory(user__username="oscar", case=case, role=CaseRole.OBSERVER).user


@pytest.fixture
def bob(db: None) -> User:
    return MembershipFactory(user__username="bob", role=CaseRole.LEAD).user


@pytest.fixture
def charlie(db: None) -> User:
    return UserFactory(username="charlie")
