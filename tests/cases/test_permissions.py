import pytest

from apps.cases.enums import CaseStatus
from apps.cases.permissions import can_close_case, can_manage_members, can_reopen_case, case_is_open
from tests.cases.conftest import People
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "expected"), [(CaseStatus.OPEN, True), (CaseStatus.CLOSED, False), (CaseStatus.ARCHIVED, False)]
)
def test_only_an_open_case_is_open(status: CaseStatus, expected: bool) -> None:
    assert case_is_open(CaseFactory(status=status)) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("lead", True),
        ("reviewer", False),
        ("investigator", False),
        ("observer", False),
        ("other_member", False),
        ("outsider", False),
    ],
)
def test_only_the_lead_manages_members(people: People, who: str, expected: bool) -> None:
    assert can_manage_members(people.by_name(who), people.case) is expected


def test_a_lead_closes_an_open_case_and_reopens_only_a_closed_one(people: People) -> None:
    case = people.case
    assert (can_close_case(people.lead, case), can_reopen_case(people.lead, case)) == (True, False)

    case.status = CaseStatus.CLOSED
    assert (can_close_case(people.lead, case), can_reopen_case(people.lead, case)) == (False, True)

    case.status = CaseStatus.ARCHIVED
    assert (can_close_case(people.lead, case), can_reopen_case(people.lead, case)) == (False, False)


def test_a_reviewer_can_neither_close_nor_reopen(people: People) -> None:
    assert can_close_case(people.reviewer, people.case) is False
    people.case.status = CaseStatus.CLOSED
    assert can_reopen_case(people.reviewer, people.case) is False
