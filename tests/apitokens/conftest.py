"""Alice is an investigator in case A and in case B; Bob leads case B only; Carol is in no case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from tests.factories import CaseFactory, EvidenceItemFactory, MembershipFactory, UserFactory


@dataclass
class Issued:
    token: ApiToken
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture
def case_a(db: None) -> Case:
    return CaseFactory(reference="TOKENS-A")


@pytest.fixture
def case_b(db: None) -> Case:
    return CaseFactory(reference="TOKENS-B")


@pytest.fixture
def alice(case_a: Case, case_b: Case) -> User:
    user = MembershipFactory(case=case_a, role=CaseRole.INVESTIGATOR, user__username="alice").user
    MembershipFactory(case=case_b, role=CaseRole.INVESTIGATOR, user=user)
    return user


@pytest.fixture
def bob(case_b: Case) -> User:
    return MembershipFactory(case=case_b, role=CaseRole.LEAD, user__username="bob").user


@pytest.fixture
def carol(db: None) -> User:
    return UserFactory(username="carol")


@pytest.fixture
def item_a(case_a: Case) -> EvidenceItem:
    return EvidenceItemFactory(case=case_a)


@pytest.fixture
def item_b(case_b: Case) -> EvidenceItem:
    return EvidenceItemFactory(case=case_b)


def issue(owner: User, cases: list[Case], access: TokenAccess = TokenAccess.READ, name: str = "script") -> Issued:
    token, secret = apitoken_create(owner=owner, name=name, cases=cases, access=access)
    return Issued(token, secret)


@pytest.fixture
def read_token_a(alice: User, case_a: Case) -> Issued:
    """Alice's read-only token for case A (she is also in case B)."""
    return issue(alice, [case_a])


@pytest.fixture
def write_token_a(alice: User, case_a: Case) -> Issued:
    return issue(alice, [case_a], TokenAccess.WRITE)
