"""An item's files through the API: a script with a personal token downloads the original and its working
copies under the same rules as the item page, and every hand-over is in the item's chain of custody."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.selectors import custody_verify
from apps.evidence.enums import ConsentStatus, ProcessingStatus
from apps.evidence.models import Derivative, EvidenceItem
from tests.evidence.test_files import ORIGINAL, PREVIEW, _archived, _body, _events, _member
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SIZE = len(ORIGINAL)


def _bearer(user: User, cases: list[Case], access: TokenAccess = TokenAccess.READ) -> dict[str, str]:
    _token, secret = apitoken_create(owner=user, name="script", cases=cases, access=access)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _original(client: Client, item: EvidenceItem, headers: dict[str, str], range_header: str = "") -> Any:
    if range_header:
        headers = {**headers, "HTTP_RANGE": range_header}
    response = client.get(reverse("api:evidence-original", args=[item.pk]), **headers)
    response.body = _body(response)
    return response


def _derivative(client: Client, item: EvidenceItem, kind: str, headers: dict[str, str]) -> Any:
    response = client.get(reverse("api:evidence-derivative", args=[item.pk, kind]), **headers)
    response.body = _body(response)
    return response


def test_a_token_downloads_the_exact_original_and_the_download_is_recorded(client: Client, case: Case) -> None:
    item = _archived(case)
    alice = _member(case)

    response = _original(client, item, _bearer(alice, [case]))

    assert response.status_code == 200
    assert response.body == ORIGINAL
    assert "sha256:" + hashlib.sha256(response.body).hexdigest() == item.sha256
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert _events(item, CustodyAction.DOWNLOADED) == [{"file": "original", "sha256": item.sha256}]
    [event] = item.custody_events.filter(action=CustodyAction.DOWNLOADED)
    assert (event.actor, event.actor_user_id) == ("user:alice", alice.pk)
    assert custody_verify(item_id=item.pk).ok


def test_a_resumed_download_gets_its_bytes_and_each_request_is_recorded(client: Client, case: Case) -> None:
    item = _archived(case)
    headers = _bearer(_member(case), [case])

    first = _original(client, item, headers, "bytes=0-9")
    rest = _original(client, item, headers, "bytes=10-")

    assert (first.status_code, rest.status_code) == (206, 206)
    assert first.body + rest.body == ORIGINAL
    assert rest["Content-Range"] == f"bytes 10-{SIZE - 1}/{SIZE}"
    assert [event["bytes"] for event in _events(item, CustodyAction.DOWNLOADED)] == [
        f"0-9/{SIZE}",
        f"10-{SIZE - 1}/{SIZE}",
    ]


def test_a_range_past_the_end_is_416_in_problem_details_and_records_nothing(client: Client, case: Case) -> None:
    item = _archived(case)

    response = _original(client, item, _bearer(_member(case), [case]), f"bytes={SIZE}-")

    assert response.status_code == 416
    assert response["Content-Type"] == "application/problem+json"
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.json()["type"].endswith("/range-not-satisfiable")
    assert _events(item, CustodyAction.DOWNLOADED) == []


def test_an_item_still_processing_answers_409_and_records_nothing(client: Client, case: Case) -> None:
    item = _archived(case)
    EvidenceItem.objects.filter(pk=item.pk).update(processing_status=ProcessingStatus.PROCESSING)

    response = _original(client, item, _bearer(_member(case), [case]))

    assert response.status_code == 409
    assert response.json()["type"].endswith("/file-not-archived")
    assert _events(item, CustodyAction.DOWNLOADED) == []


def test_a_token_for_another_case_sees_no_file_even_of_its_owners_other_case(client: Client, case: Case) -> None:
    item = _archived(case)
    alice = _member(case)
    other = CaseFactory(reference="UA-2022-0002")
    _member(other, username="alice-elsewhere")
    other.memberships.create(user=alice, role=CaseRole.INVESTIGATOR)
    headers = _bearer(alice, [other])

    original = _original(client, item, headers)
    preview = _derivative(client, item, "preview", headers)

    assert (original.status_code, preview.status_code) == (404, 404)
    assert _events(item, CustodyAction.DOWNLOADED) == _events(item, CustodyAction.VIEWED) == []


def test_a_non_member_and_an_anonymous_client_get_no_file(client: Client, case: Case) -> None:
    item = _archived(case)
    outsiders_case = CaseFactory(reference="UA-2022-0003")
    outsider = _member(outsiders_case, username="mallory")

    assert _original(client, item, _bearer(outsider, [outsiders_case])).status_code == 404
    assert _original(client, item, {}).status_code == 401
    assert _events(item, CustodyAction.DOWNLOADED) == []


def test_an_observer_gets_no_file_of_an_identity_restricted_item(client: Client, case: Case) -> None:
    item = _archived(case)
    EvidenceItem.objects.filter(pk=item.pk).update(consent_status=ConsentStatus.REFUSED)
    observer = _member(case, CaseRole.OBSERVER, username="olena")

    assert _original(client, item, _bearer(observer, [case])).status_code == 404
    assert _derivative(client, item, "preview", _bearer(observer, [case])).status_code == 404


def test_an_unblurred_preview_is_recorded_as_viewed_and_a_thumbnail_is_not(client: Client, case: Case) -> None:
    item = _archived(case)
    headers = _bearer(_member(case), [case])

    preview = _derivative(client, item, "preview", headers)
    thumbnail = _derivative(client, item, "thumbnail", headers)

    assert (preview.status_code, preview.body, preview["Content-Type"]) == (200, PREVIEW, "image/jpeg")
    assert thumbnail.status_code == 200
    assert _events(item, CustodyAction.VIEWED) == [{"file": "preview", "sha256": item.sha256}]


def test_a_graphic_items_copies_are_blurred_and_not_recorded(client: Client, case: Case) -> None:
    item = _archived(case, graphic=True)

    response = _derivative(client, item, "preview", _bearer(_member(case), [case]))

    assert response.status_code == 200
    assert _events(item, CustodyAction.VIEWED) == []


def test_with_a_blurred_and_an_unblurred_copy_the_blurred_one_is_served(client: Client, case: Case) -> None:
    # Processed first as not graphic (unblurred copies), then flagged graphic and processed again (blurred ones).
    item = _archived(case)
    blurred = Derivative.objects.get(item=item, kind="preview")
    blurred.pk, blurred.blurred = None, True  # a second row, made later
    blurred.save()

    response = _derivative(client, item, "preview", _bearer(_member(case), [case]))

    assert response.status_code == 200
    assert _events(item, CustodyAction.VIEWED) == []  # the blurred copy, which shows nothing to record


def test_an_unknown_kind_of_copy_is_404(client: Client, case: Case) -> None:
    item = _archived(case)

    response = _derivative(client, item, "full-resolution", _bearer(_member(case), [case]))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_items_record_links_to_its_files_in_the_api_and_the_links_work(client: Client, case: Case) -> None:
    item = _archived(case)
    headers = _bearer(_member(case), [case])

    record = client.get(reverse("api:evidence-detail", args=[item.pk]), **headers).json()
    original = client.get(record["original_url"], **headers)
    copies = {copy["kind"]: _body(client.get(copy["url"], **headers)) for copy in record["derivatives"]}

    assert record["original_url"] == f"http://testserver/api/v1/evidence/{item.pk}/original/"
    assert (original.status_code, _body(original)) == (200, ORIGINAL)
    assert copies == {"preview": PREVIEW, "thumbnail": PREVIEW}


def test_an_item_without_an_archived_file_has_no_original_url(client: Client, case: Case) -> None:
    item = _archived(case)
    EvidenceItem.objects.filter(pk=item.pk).update(processing_status=ProcessingStatus.FAILED)

    record = client.get(reverse("api:evidence-detail", args=[item.pk]), **_bearer(_member(case), [case])).json()

    assert record["original_url"] is None


def test_a_signed_in_browser_session_may_use_the_file_endpoints_too(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item, {})

    assert (response.status_code, response.body) == (200, ORIGINAL)
    assert len(_events(item, CustodyAction.DOWNLOADED)) == 1


def test_head_is_not_allowed_as_it_would_record_a_download_that_sends_nothing(client: Client, case: Case) -> None:
    item = _archived(case)

    response = client.head(reverse("api:evidence-original", args=[item.pk]), **_bearer(_member(case), [case]))

    assert response.status_code == 405
    assert _events(item, CustodyAction.DOWNLOADED) == []
