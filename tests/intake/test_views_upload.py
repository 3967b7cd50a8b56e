"""The upload page (resumable uploads with the plain form as fallback) and the status the page polls."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.enums import ProcessingStatus
from apps.evidence.models import EvidenceItem
from apps.intake.forms import DESCRIPTIVE_FIELDS
from tests.accounts.helpers import login_verified
from tests.factories import EvidenceItemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SHA256 = "sha256:" + "ab" * 32


def assert_no_inline_code(content: str) -> None:
    """The CSP forbids inline script and style: scripts have a src (or are JSON data), no style or on* attributes."""
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert [tag for tag in scripts if "src=" not in tag and 'type="application/json"' not in tag] == []
    assert re.findall(r"<style\b", content) == []
    assert re.findall(r"\sstyle=", content) == []
    assert re.findall(r"\son[a-z]+=", content) == []


def _upload_url(case: Case) -> str:
    return reverse("intake:upload", args=[case.pk])


def _status_url(item: EvidenceItem) -> str:
    return reverse("intake:item_status", args=[item.pk])


@pytest.fixture
def uploader(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user__username="alice").user


# --- The page -------------------------------------------------------------------------------------


def test_the_upload_page_carries_the_hooks_of_the_resumable_upload_script(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)

    response = client.get(_upload_url(case))

    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-tus-endpoint="/api/v1/cases/{case.pk}/tus/"' in content
    assert 'data-status-url-template="/uploads/00000000-0000-0000-0000-000000000000/status/"' in content
    assert 'data-item-placeholder="00000000-0000-0000-0000-000000000000"' in content
    assert re.findall(r'<script src="([^"]+)" defer></script>', content) == [
        "/static/vendor/tus-js-client/tus.min.js",
        "/static/intake/upload.js",
    ]
    assert '<link rel="stylesheet" href="/static/intake/upload.css">' in content
    assert '<template id="upload-row-template">' in content
    texts = json.loads(re.search(r'<script id="upload-texts" type="application/json">(.*?)</script>', content, re.S)[1])
    assert texts["archived"] == "Archived."
    assert (
        texts["uploading"] == "Uploading: %(percent)s%% (%(sent)s of %(total)s)."
    )  # python-format: the script reads %% as %
    assert_no_inline_code(content)


def test_each_file_row_has_a_labelled_progress_bar_and_every_descriptive_field(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)

    content = client.get(_upload_url(case)).content.decode()

    row = content.split('<template id="upload-row-template">', 1)[1].split("</template>", 1)[0]
    assert '<label for="__prefix__-progress" data-progress-label></label>' in row
    assert '<progress id="__prefix__-progress" max="100" value="0" data-progress>0%</progress>' in row
    names = re.findall(r'name="__prefix__-([a-z0-9_]+)"', row)
    assert names == ["sha256", *DESCRIPTIVE_FIELDS]
    for name in names:
        assert f'<label for="id___prefix__-{name}"' in row, name
    assert re.findall(r'data-action="([a-z]+)"', row) == ["start", "pause", "resume", "remove"]


def test_the_defaults_have_a_label_and_help_for_each_field_and_keep_the_plain_form(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)

    content = client.get(_upload_url(case)).content.decode()

    page = content.split('<template id="upload-row-template">', 1)[0]
    assert re.search(r'<form method="post" enctype="multipart/form-data"[^>]*data-upload', page)
    assert '<input type="file" name="file" multiple required aria-describedby="id_file_helptext" id="id_file">' in page
    assert '<p class="help" id="id_file_helptext">' in page
    for name in ("file", "sha256", *DESCRIPTIVE_FIELDS):
        assert f'<label for="id_{name}"' in page, name
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert [target for target in described if f'id="{target}"' not in page] == []
    assert len(described) == 10  # the fields with help text
    assert '<input type="datetime-local" name="collected_at"' in page


@pytest.mark.parametrize(("role", "status"), [(CaseRole.REVIEWER, 403), (CaseRole.OBSERVER, 403), (CaseRole.LEAD, 200)])
def test_the_upload_page_by_role(client: Client, case: Case, role: CaseRole, status: int) -> None:
    login_verified(client, MembershipFactory(case=case, role=role).user)

    assert client.get(_upload_url(case)).status_code == status


def test_the_upload_page_of_another_case_is_404(client: Client, case: Case) -> None:
    client.force_login(MembershipFactory(role=CaseRole.INVESTIGATOR).user)

    assert client.get(_upload_url(case)).status_code == 404


def test_the_plain_form_still_takes_a_collected_at_from_the_date_time_picker(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)

    response = client.post(
        _upload_url(case),
        {
            "file": _file("photo.jpg", b"\xff\xd8\xff\xe0 a photo"),
            "collection_method": "open_source",
            "consent_status": "not_required",
            "collected_at": "2022-03-06T08:30",
            "caption": "Fires in Irpin",
        },
    )

    item = EvidenceItem.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:item_detail", args=[item.pk])
    assert (item.caption, item.collection_method, item.collected_at.isoformat()) == (
        "Fires in Irpin",
        "open_source",
        "2022-03-06T06:30:00+00:00",
    )


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, content, content_type="image/jpeg")


# --- The status the page polls ---------------------------------------------------------------------


def test_the_status_of_an_item_being_processed(client: Client, case: Case, uploader: User) -> None:
    item = EvidenceItemFactory(case=case, number=3, processing_status=ProcessingStatus.PROCESSING, sha256=SHA256)
    client.force_login(uploader)

    response = client.get(_status_url(item))

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response.json() == {
        "id": str(item.pk),
        "reference": f"{case.reference}/E0003",
        "url": f"/evidence/{item.pk}/",
        "processing_status": "processing",
        "processing_status_display": "Processing",
        "finished": False,
        "sha256": SHA256,
        "error": "",
    }


def test_the_status_of_an_archived_and_of_a_failed_item(client: Client, case: Case, uploader: User) -> None:
    archived = EvidenceItemFactory(case=case, processing_status=ProcessingStatus.ARCHIVED, sha256=SHA256)
    failed = EvidenceItemFactory(
        case=case, processing_status=ProcessingStatus.FAILED, processing_error="The file is empty."
    )
    client.force_login(uploader)

    first, second = client.get(_status_url(archived)).json(), client.get(_status_url(failed)).json()

    assert (first["finished"], first["processing_status"], first["sha256"], first["error"]) == (
        True,
        "archived",
        SHA256,
        "",
    )
    assert (second["finished"], second["processing_status"], second["error"]) == (True, "failed", "The file is empty.")


def test_the_status_is_404_outside_the_users_cases_and_401_signed_out(client: Client, case: Case) -> None:
    item = EvidenceItemFactory(case=case)

    assert client.get(_status_url(item)).status_code == 401
    login_verified(client, MembershipFactory(role=CaseRole.LEAD).user)
    assert client.get(_status_url(item)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(_status_url(item)).status_code == 404


def test_observers_do_not_get_the_status_of_an_item_revealing_a_witness(client: Client, case: Case) -> None:
    item = EvidenceItemFactory(case=case, reveals_witness_identity=True)
    client.force_login(MembershipFactory(case=case, role=CaseRole.OBSERVER).user)

    assert client.get(_status_url(item)).status_code == 404


def test_the_status_takes_a_constant_number_of_queries(
    client: Client, case: Case, uploader: User, django_assert_num_queries: Any
) -> None:
    item = EvidenceItemFactory(case=case)
    client.force_login(uploader)

    # user, the item (visible_items with the case), the user's role in the case
    with django_assert_num_queries(3):
        client.get(_status_url(item))
