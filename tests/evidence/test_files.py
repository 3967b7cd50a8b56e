"""Evidence files leave only through authorising views, and every view of an original or unblurred preview,
and every download, is in the item's chain of custody."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_verify
from apps.evidence.enums import ConsentStatus, EvidenceKind
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import digest_stream, store_content_addressed
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ORIGINAL = b"\xff\xd8\xff\xe0 original bytes of a photo"
PREVIEW = b"\xff\xd8\xff\xe0 a preview"


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(reference="UA-2022-0001")


def _archived(case: Case, *, graphic: bool = False, filename: str = "кратер 1.jpg") -> EvidenceItem:
    item = evidence_import_file(
        case=case,
        stream=io.BytesIO(ORIGINAL),
        original_filename=filename,
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )
    item.is_graphic = graphic
    item.detected_content_type = "image/jpeg"
    item.save(update_fields=["is_graphic", "detected_content_type"])
    digests = digest_stream(io.BytesIO(PREVIEW))
    name = store_content_addressed(stream=io.BytesIO(PREVIEW), digests=digests, prefix="derivatives")
    for kind in ("preview", "thumbnail"):
        Derivative.objects.create(
            item=item,
            kind=kind,
            blurred=graphic,
            storage_name=name,
            sha256=digests.sha256,
            size_bytes=digests.size_bytes,
            content_type="image/jpeg",
            width=10,
            height=10,
            tool="test",
        )
    return item


def _member(case: Case, role: CaseRole = CaseRole.INVESTIGATOR, username: str = "alice") -> User:
    return MembershipFactory(case=case, role=role, user__username=username).user


def _events(item: EvidenceItem, action: CustodyAction) -> list[dict[str, Any]]:
    return list(
        CustodyEvent.objects.filter(item=item, action=action).order_by("sequence").values_list("details", flat=True)
    )


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_download_is_the_exact_original_under_its_name_and_is_recorded(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_download", args=[item.pk]))

    assert response.status_code == 200
    assert _body(response) == ORIGINAL
    assert response["Content-Disposition"] == (
        "attachment; filename=\"______ 1.jpg\"; filename*=UTF-8''%D0%BA%D1%80%D0%B0%D1%82%D0%B5%D1%80%201.jpg"
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Cache-Control"] == "private, no-store"
    assert _events(item, CustodyAction.DOWNLOADED) == [{"file": "original", "sha256": item.sha256}]
    assert custody_verify(item_id=item.pk).ok


def test_opening_the_original_is_recorded_as_viewed(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_original", args=[item.pk]))

    assert (response.status_code, response["Content-Type"], _body(response)) == (200, "image/jpeg", ORIGINAL)
    assert response["Content-Disposition"].startswith("inline; ")
    assert "sandbox" in response["Content-Security-Policy"]
    assert _events(item, CustodyAction.VIEWED) == [{"file": "original", "sha256": item.sha256}]


def test_an_original_of_an_unsafe_type_is_never_shown_inline(client: Client, case: Case) -> None:
    item = _archived(case, filename="page.html")
    item.detected_content_type = "text/html"
    item.save(update_fields=["detected_content_type"])
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_original", args=[item.pk]))

    response.close()

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; ")


def test_an_unblurred_preview_is_recorded_and_a_thumbnail_is_not(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    preview = client.get(reverse("evidence:item_preview", args=[item.pk, "preview"]))
    thumbnail = client.get(reverse("evidence:item_preview", args=[item.pk, "thumbnail"]))

    assert (_body(preview), _body(thumbnail)) == (PREVIEW, PREVIEW)
    assert _events(item, CustodyAction.VIEWED) == [{"file": "preview", "sha256": item.sha256}]


def test_graphic_media_is_blurred_until_revealed_and_the_reveal_is_recorded(client: Client, case: Case) -> None:
    item = _archived(case, graphic=True)
    client.force_login(_member(case))
    page = reverse("evidence:item_detail", args=[item.pk])

    before = client.get(page).content.decode()
    refused = client.get(reverse("evidence:item_original", args=[item.pk]))
    blurred_preview = client.get(reverse("evidence:item_preview", args=[item.pk, "preview"]))

    assert 'class="media-preview blurred"' in before
    assert reverse("evidence:item_reveal", args=[item.pk]) in before
    assert refused.status_code == 403
    assert _body(blurred_preview) == PREVIEW
    assert _events(item, CustodyAction.VIEWED) == []

    reveal = client.post(reverse("evidence:item_reveal", args=[item.pk]))
    after = client.get(page).content.decode()
    original = client.get(reverse("evidence:item_original", args=[item.pk]))

    assert reveal.status_code == 302
    assert reverse("evidence:item_original", args=[item.pk]) in after
    assert _body(original) == ORIGINAL
    assert _events(item, CustodyAction.VIEWED) == [
        {"file": "original", "sha256": item.sha256, "reason": "graphic content revealed"}
    ]

    client.post(reverse("evidence:item_conceal", args=[item.pk]))
    assert client.get(reverse("evidence:item_original", args=[item.pk])).status_code == 403


def test_revealing_needs_a_post(client: Client, case: Case) -> None:
    item = _archived(case, graphic=True)
    client.force_login(_member(case))

    assert client.get(reverse("evidence:item_reveal", args=[item.pk])).status_code == 405
    assert _events(item, CustodyAction.VIEWED) == []


@pytest.mark.parametrize(
    ("name", "args"), [("item_download", ()), ("item_original", ()), ("item_preview", ("preview",))]
)
def test_a_head_request_for_a_file_is_refused_and_records_nothing(
    client: Client, case: Case, name: str, args: tuple[str, ...]
) -> None:
    """HEAD sends no bytes, yet the view would have recorded a download or a view: a false custody entry."""
    item = _archived(case)
    client.force_login(_member(case))

    response = client.head(reverse(f"evidence:{name}", args=[item.pk, *args]))

    assert response.status_code == 405
    assert CustodyEvent.objects.filter(item=item).exclude(actor__startswith="system:").count() == 0


@pytest.mark.parametrize("name", ["item_download", "item_original", "item_reveal"])
def test_non_members_and_site_admins_get_404_and_nothing_is_recorded(client: Client, case: Case, name: str) -> None:
    item = _archived(case)
    other = MembershipFactory(role=CaseRole.LEAD, user__username="bob").user
    outsider = UserFactory(username="charlie")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    method = client.post if name == "item_reveal" else client.get

    for user in (other, outsider, admin):
        login_verified(client, user)
        assert method(reverse(f"evidence:{name}", args=[item.pk])).status_code == 404

    assert CustodyEvent.objects.filter(item=item).exclude(actor__startswith="system:").count() == 0


def test_observers_get_404_for_identity_restricted_items(client: Client, case: Case) -> None:
    item = _archived(case)
    item.consent_status = ConsentStatus.REFUSED
    item.save(update_fields=["consent_status"])
    client.force_login(_member(case, CaseRole.OBSERVER))

    assert client.get(reverse("evidence:item_detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("evidence:item_download", args=[item.pk])).status_code == 404
    assert client.get(reverse("evidence:item_preview", args=[item.pk, "thumbnail"])).status_code == 404


def test_observers_do_not_see_who_collected_an_item(client: Client, case: Case) -> None:
    item = _archived(case)
    item.collector_name = "Olena K."
    item.save(update_fields=["collector_name"])

    client.force_login(_member(case, CaseRole.OBSERVER))
    hidden = client.get(reverse("evidence:item_detail", args=[item.pk])).content.decode()
    client.force_login(_member(case, CaseRole.INVESTIGATOR, username="ivan"))
    shown = client.get(reverse("evidence:item_detail", args=[item.pk])).content.decode()

    assert ("Olena K." in hidden, "Olena K." in shown) == (False, True)


def test_with_nginx_the_response_names_the_file_for_an_internal_location(
    client: Client, case: Case, settings: Any
) -> None:
    settings.EVIDENCE_SENDFILE = "x-accel-redirect"
    settings.EVIDENCE_SENDFILE_PREFIX = "/protected-evidence/"
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_download", args=[item.pk]))

    assert response["X-Accel-Redirect"] == f"/protected-evidence/{item.storage_name}"
    assert response.content == b""
    assert _events(item, CustodyAction.DOWNLOADED) == [{"file": "original", "sha256": item.sha256}]
