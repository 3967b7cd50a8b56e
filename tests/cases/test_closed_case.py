"""A closed case stays readable and accepts no new evidence; closing and reopening are in the security log."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent
from apps.cases.services import case_close, case_reopen
from apps.evidence.models import EvidenceItem
from tests.cases.conftest import People, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_closing_and_reopening_are_in_the_security_log(people: People) -> None:
    case_close(case=people.case, closed_by=people.lead)
    case_reopen(case=people.case, reopened_by=people.lead)

    events = list(
        SecurityEvent.objects.filter(case=people.case, kind__startswith="case_")
        .order_by("id")
        .values_list("kind", "actor__username", "details")
    )
    assert events == [
        (SecurityEventKind.CASE_CLOSED, "alice", {"before": "open", "after": "closed"}),
        (SecurityEventKind.CASE_REOPENED, "alice", {"before": "closed", "after": "open"}),
    ]


def test_a_closed_case_refuses_uploads_on_the_page_and_the_api_and_says_why(client: Client, people: People) -> None:
    case_close(case=people.case, closed_by=people.lead)
    sign_in(client, people.investigator)

    page = client.get(reverse("intake:upload", args=[people.case.pk]))
    api = client.post(
        reverse("api:evidence-upload", args=[people.case.pk]),
        {"file": SimpleUploadedFile("a.jpg", b"bytes", content_type="image/jpeg")},
    )

    assert page.status_code == 403
    assert "This case is closed; it accepts no new evidence." in page.content.decode()
    assert (api.status_code, api.json()["detail"]) == (
        403,
        "This case is closed; it accepts no new evidence. A lead can reopen it.",
    )
    assert EvidenceItem.objects.count() == 0


def test_a_site_admin_sees_a_foreign_cases_name_but_not_its_description(client: Client, people: People) -> None:
    from tests.accounts.helpers import login_verified  # noqa: PLC0415

    people.case.description = "Witness W-17 lives at the corner of ..."
    people.case.save(update_fields=["description"])
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    login_verified(client, admin)

    page = client.get(reverse("admin:cases_case_change", args=[people.case.pk])).content.decode()

    assert ("UA-2022-0001" in page, "Witness W-17" in page) == (True, False)
