import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership
from apps.cases.models import Case
from apps.cases.selectors import case_list_for_user
from apps.cases.services import case_create
from tests.factories import CaseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_case_reference_is_unique() -> None:
    CaseFactory(reference="UA-2022-0001")

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(reference="UA-2022-0001")

    assert Case.objects.filter(reference="UA-2022-0001").count() == 1


@pytest.mark.parametrize("reference", ["ua-2022-0001", "UA 2022", "UA--1", "-UA", "UA/1", ""])
def test_case_reference_format_is_validated(reference: str) -> None:
    with pytest.raises(ValidationError) as error:
        case_create(reference=reference, title="T", created_by=UserFactory())

    assert "reference" in error.value.message_dict
    assert Case.objects.count() == 0


def test_creating_a_case_makes_its_creator_the_lead() -> None:
    alice = UserFactory(username="alice")

    case = case_create(reference="UA-2022-0002", title="Kharkiv", created_by=alice)

    assert list(CaseMembership.objects.values_list("user__username", "case__reference", "role")) == [
        ("alice", "UA-2022-0002", CaseRole.LEAD)
    ]
    assert case.created_by == alice


def test_a_user_lists_only_the_cases_they_are_a_member_of() -> None:
    alice_membership = MembershipFactory(user__username="alice", role=CaseRole.INVESTIGATOR)
    MembershipFactory(user__username="bob", role=CaseRole.LEAD)
    charlie = UserFactory(username="charlie")

    assert list(case_list_for_user(user=alice_membership.user)) == [alice_membership.case]
    assert list(case_list_for_user(user=charlie)) == []
