"""A lead checks the fixity of a whole case from the dashboard: progress while it runs, a notification at the end."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.cases.models import Case
from apps.comments.models import Notification
from apps.custody.models import CustodyEvent
from apps.dashboards.services import fixity_case_run, fixity_progress
from apps.dashboards.tasks import fixity_case
from apps.evidence.enums import EvidenceKind, IntegrityStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import evidence_storage
from tests.cases.conftest import People, sign_in

pytestmark = pytest.mark.django_db


def _archived(case: Case, content: bytes) -> EvidenceItem:
    return evidence_import_file(
        case=case,
        stream=io.BytesIO(content),
        original_filename="f.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )


def _start_url(case: Case) -> str:
    return reverse("dashboards:fixity_start", kwargs={"case_id": case.pk})


def _progress_url(case: Case) -> str:
    return reverse("dashboards:fixity_progress", kwargs={"case_id": case.pk})


def _dashboard(client: Client, case: Case) -> str:
    return client.get(reverse("dashboards:case_dashboard", kwargs={"case_id": case.pk})).content.decode()


def test_a_lead_runs_a_fixity_check_of_the_case_and_is_notified(
    client: Client, people: People, django_capture_on_commit_callbacks: Any
) -> None:
    intact = _archived(people.case, b"intact original")
    broken = _archived(people.case, b"original to break")
    path = Path(evidence_storage().path(broken.storage_name))
    path.chmod(0o640)
    path.write_bytes(b"tampered")
    sign_in(client, people.lead)
    assert "Check fixity of this case now" in _dashboard(client, people.case)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_start_url(people.case))

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("dashboards:case_dashboard", kwargs={"case_id": people.case.pk}) + "#fixity",
    )
    assert len(callbacks) == 1  # the task is enqueued once the request's transaction commits
    assert client.get(_progress_url(people.case)).json() == {
        "run_id": fixity_progress(case=people.case).run_id,  # type: ignore[union-attr]
        "total": 2,
        "done": 0,
        "failed": 0,
        "percent": 0,
        "finished": False,
        "status_display": "Checked 0 of 2 originals.",
    }
    page = _dashboard(client, people.case)
    assert 'id="fixity-progress"' in page
    assert "Check fixity of this case now" not in page  # one run at a time

    fixity_case.apply(kwargs={"case_id": str(people.case.pk), "run_id": fixity_progress(case=people.case).run_id})  # type: ignore[union-attr]

    state = client.get(_progress_url(people.case)).json()
    assert (state["done"], state["failed"], state["percent"], state["finished"]) == (2, 1, 100, True)
    assert state["status_display"] == "Finished: 1 intact, 1 failing."
    intact.refresh_from_db()
    broken.refresh_from_db()
    assert (intact.integrity_status, broken.integrity_status) == (IntegrityStatus.INTACT, IntegrityStatus.FAILED)
    assert CustodyEvent.objects.filter(item__case=people.case, action__startswith="fixity_").count() == 2
    notification = Notification.objects.get(recipient=people.lead)
    assert (notification.kind, notification.text, notification.link) == (
        "fixity_done",
        "Fixity check of UA-2022-0001 finished: 1 intact, 1 failing",
        reverse("dashboards:case_dashboard", kwargs={"case_id": people.case.pk}) + "#fixity",
    )
    after = _dashboard(client, people.case)
    assert "Check fixity of this case now" in after  # another run may start
    # The dashboard drawn before the run is not reused: it counts the failure now.
    assert '<dd id="dashboard-integrity"><span class="integrity-failed">1</span></dd>' in after


def test_a_second_start_while_running_starts_nothing(
    client: Client, people: People, django_capture_on_commit_callbacks: Any
) -> None:
    _archived(people.case, b"one original")
    sign_in(client, people.lead)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(_start_url(people.case))
        first = fixity_progress(case=people.case)
        response = client.post(_start_url(people.case), follow=True)

    assert len(callbacks) == 1
    assert fixity_progress(case=people.case) == first
    assert "A fixity check of this case is already running" in response.content.decode()


def test_a_replaced_run_does_nothing(people: People) -> None:
    assert fixity_case_run(case_id=people.case.pk, run_id="not-the-current-run") is None


@pytest.mark.parametrize("who", ["reviewer", "investigator", "observer"])
def test_only_leads_may_start_or_follow_a_fixity_check(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    start = client.post(_start_url(people.case))
    progress = client.get(_progress_url(people.case))

    assert (start.status_code, progress.status_code) == (403, 403)
    assert "Only the case&#x27;s leads can run a fixity check of the whole case." in start.content.decode()
    assert fixity_progress(case=people.case) is None
    assert "Check fixity of this case now" not in _dashboard(client, people.case)


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_non_member_gets_404(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    assert (client.post(_start_url(people.case)).status_code, client.get(_progress_url(people.case)).status_code) == (
        404,
        404,
    )


def test_progress_without_a_run_says_so(client: Client, people: People) -> None:
    sign_in(client, people.lead)

    assert client.get(_progress_url(people.case)).json()["status_display"] == "No fixity check has run recently."
