"""Fixtures of the review tests: one case with a member of each role, a member of another case, an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.review.checklist import KEYS
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, MembershipFactory, UserFactory

# Every question answered (not every answer "yes"): what approval requires.
FULL_CHECKLIST: dict[str, dict[str, str]] = {
    key: {"answer": "yes" if index % 2 == 0 else "unclear", "note": f"checked {key}"} for index, key in enumerate(KEYS)
}


def sign_in(client: Client, user: User) -> None:
    """Sign the user in with a verified second factor, as reviewers and leads must be (apps.accounts.middleware)."""
    login_verified(client, user)


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(reference="UA-2022-0001", title="Shelling of a residential block")


@pytest.fixture
def investigator(case: Case) -> User:
    return MembershipFactory(user__username="ivan", case=case, role=CaseRole.INVESTIGATOR).user


@pytest.fixture
def reviewer(case: Case) -> User:
    return MembershipFactory(user__username="alice", case=case, role=CaseRole.REVIEWER).user


@pytest.fixture
def lead(case: Case) -> User:
    return MembershipFactory(user__username="lena", case=case, role=CaseRole.LEAD).user


@pytest.fixture
def observer(case: Case) -> User:
    return MembershipFactory(user__username="oleh", case=case, role=CaseRole.OBSERVER).user


@pytest.fixture
def other_case_member(db: None) -> User:
    """A reviewer of another case (bob): he reviews, but not here."""
    return MembershipFactory(user__username="bob", role=CaseRole.REVIEWER).user


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="charlie")


def make_item(case: Case, uploaded_by: User | None, **fields: Any) -> EvidenceItem:
    fields.setdefault("review_status", ReviewStatus.SUBMITTED)
    return EvidenceItemFactory(case=case, uploaded_by=uploaded_by, **fields)


@pytest.fixture
def item(case: Case, investigator: User) -> EvidenceItem:
    """A submitted item the investigator uploaded."""
    return make_item(case, investigator, original_filename="crater.jpg")


@pytest.fixture
def item_in_review(case: Case, investigator: User) -> EvidenceItem:
    return make_item(case, investigator, original_filename="crater-2.jpg", review_status=ReviewStatus.IN_REVIEW)
