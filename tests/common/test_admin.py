"""Need-to-know in the Django admin: being a site admin opens the admin, not a case."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.services import custody_record
from apps.evidence.enums import ConsentStatus
from apps.evidence.models import EvidenceItem
from tests.accounts.helpers import login_verified
from tests.factories import (
    CaseFactory,
    EvidenceItemFactory,
    IncidentFactory,
    MembershipFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_case(db: None) -> Case:
    return CaseFactory(reference="OWN-0001")


@pytest.fixture
def other_case(db: None) -> Case:
    return CaseFactory(reference="OTHER-0001")


@pytest.fixture
def site_admin(own_case: Case) -> User:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    MembershipFactory(user=admin, case=own_case, role=CaseRole.LEAD)
    return admin


def _signed_in(client: Client, user: User) -> Client:
    login_verified(client, user)  # site admins need a verified second factor
    return client


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (
            "evidence/evidenceitem",
            lambda case: EvidenceItemFactory(case=case, original_filename=f"{case.reference}.jpg"),
        ),
        ("incidents/incident", lambda case: IncidentFactory(case=case, title=f"{case.reference} incident")),
        ("sources/source", lambda case: SourceFactory(case=case, title=f"{case.reference} source")),
    ],
)
def test_lists_and_pages_of_another_case_do_not_exist_for_a_site_admin(
    client: Client, site_admin: User, own_case: Case, other_case: Case, model: str, make: object
) -> None:
    own, other = make(own_case), make(other_case)  # type: ignore[operator]
    _signed_in(client, site_admin)
    app, name = model.split("/")

    changelist = client.get(reverse(f"admin:{app}_{name}_changelist")).content.decode()
    other_page = client.get(reverse(f"admin:{app}_{name}_change", args=[other.pk]))
    own_page = client.get(reverse(f"admin:{app}_{name}_change", args=[own.pk]))

    assert ("OWN-0001" in changelist, "OTHER-0001" in changelist) == (True, False)
    assert (other_page.status_code, other_page["Location"]) == (302, reverse("admin:index"))
    assert own_page.status_code == 200


def test_the_case_filter_offers_only_the_admins_cases(
    client: Client, site_admin: User, own_case: Case, other_case: Case
) -> None:
    EvidenceItemFactory(case=own_case)
    _signed_in(client, site_admin)

    content = client.get(reverse("admin:evidence_evidenceitem_changelist")).content.decode()

    assert ("?case=" + str(own_case.pk) in content, str(other_case.pk) in content) == (True, False)


def test_custody_events_of_another_case_are_not_listed(
    client: Client, site_admin: User, own_case: Case, other_case: Case
) -> None:
    own, other = EvidenceItemFactory(case=own_case), EvidenceItemFactory(case=other_case)
    custody_record(item=own, action=CustodyAction.RECEIVED, actor_system="system:test/1")
    custody_record(item=other, action=CustodyAction.RECEIVED, actor_system="system:test/1")
    _signed_in(client, site_admin)

    response = client.get(reverse("admin:custody_custodyevent_changelist"))

    assert [event.item_id for event in response.context["cl"].result_list] == [own.pk]


def test_a_staff_observer_does_not_see_identity_restricted_items_in_the_admin(client: Client, own_case: Case) -> None:
    observer = UserFactory(username="staff-observer", is_staff=True, is_superuser=True)
    MembershipFactory(user=observer, case=own_case, role=CaseRole.OBSERVER)
    shown = EvidenceItemFactory(case=own_case)
    EvidenceItemFactory(case=own_case, consent_status=ConsentStatus.REFUSED)
    _signed_in(client, observer)

    response = client.get(reverse("admin:evidence_evidenceitem_changelist"))

    assert [item.pk for item in response.context["cl"].result_list] == [shown.pk]


def test_an_items_case_can_only_be_one_of_the_admins_cases(
    client: Client, site_admin: User, own_case: Case, other_case: Case
) -> None:
    item: EvidenceItem = EvidenceItemFactory(case=own_case)
    _signed_in(client, site_admin)

    form = client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk])).context["adminform"].form

    assert list(form.fields["case"].queryset) == [own_case]
