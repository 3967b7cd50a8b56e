"""Fixtures shared by the case-bundle tests (building, verification, report, UI and API).

The case is small on purpose: three archived originals imported the way seed data is
(apps.evidence.services.evidence_import_file, so each has "received" and "archived"
custody events), approved unless a test changes that, linked to one incident.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind, ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.services import evidence_import_file, evidence_link_incident
from apps.exports.enums import RecipientType
from apps.exports.keys import signing_key_generate
from apps.exports.models import ExportBundle
from apps.exports.services import export_bundle_build, export_bundle_create
from apps.incidents.models import Incident
from tests.factories import IncidentFactory, MembershipFactory

# The fixed clock of bundles built in tests (bundles are deterministic given their bagging date).
BAGGING_DATE = datetime(2024, 5, 1, 12, 30, 0, tzinfo=UTC)

# name, bytes, content type, kind: small, distinct, one with a name that needs sanitising.
ITEM_FILES: list[tuple[str, bytes, str, str]] = [
    ("photo 1.jpg", b"\xff\xd8\xff\xe0 not really a jpeg " * 50, "image/jpeg", EvidenceKind.IMAGE),
    ("../звіт/report.pdf", b"%PDF-1.4 a report\n" * 30, "application/pdf", EvidenceKind.DOCUMENT),
    ("clip.mp4", bytes(range(256)) * 40, "video/mp4", EvidenceKind.VIDEO),
]


@pytest.fixture
def signing_key(settings: Any, tmp_path: Path) -> Ed25519PrivateKey:
    """An organisation signing key in a temporary folder, configured as EXPORT_SIGNING_KEY_FILE."""
    path = tmp_path / "keys" / "export-signing-key.pem"
    settings.EXPORT_SIGNING_KEY_FILE = path
    settings.EXPORT_SOURCE_ORGANIZATION = "Test Documentation Group"
    settings.EXPORT_CONTACT_NAME = "Olena Test"
    settings.EXPORT_CONTACT_EMAIL = "exports@example.org"
    return signing_key_generate(path)


@pytest.fixture
def lead(case: Case) -> User:
    """A lead of ``case`` (only leads may export)."""
    return MembershipFactory(case=case, role=CaseRole.LEAD).user


@pytest.fixture
def incident(case: Case) -> Incident:
    """One incident of ``case``; every item of ``archived_items`` is linked to it."""
    return IncidentFactory(case=case, title="Shelling of a residential block", latitude=50.5, longitude=30.2)


def import_item(case: Case, name: str, data: bytes, content_type: str, kind: str, **fields: Any) -> EvidenceItem:
    """An archived original, approved (set directly: the review workflow is not what these tests are about)."""
    item = evidence_import_file(
        case=case,
        stream=io.BytesIO(data),
        original_filename=name,
        declared_content_type=content_type,
        kind=kind,
        actor_system="system:test",
        **fields,
    )
    EvidenceItem.objects.filter(pk=item.pk).update(review_status=ReviewStatus.APPROVED)
    item.refresh_from_db()
    return item


@pytest.fixture
def archived_items(case: Case, incident: Incident) -> list[EvidenceItem]:
    """The three ITEM_FILES as approved, archived items of ``case``, in item-number order."""
    items = [import_item(case, *spec) for spec in ITEM_FILES]
    for item in items:
        evidence_link_incident(item=item, incident=incident, actor_system="system:test")
    return items


@pytest.fixture
def make_bundle(case: Case, lead: User) -> Any:
    """A factory: ``make_bundle(**options)`` registers an export of ``case`` by ``lead`` (for the national
    prosecutor unless ``recipient_type`` says otherwise) with its bagging date set to BAGGING_DATE; no build."""

    def make(**options: Any) -> ExportBundle:
        arguments: dict[str, Any] = {
            "recipient_type": RecipientType.NATIONAL_PROSECUTOR,
            "recipient_organisation": "Office of the Prosecutor General",
            "recipient_person": "A. Prosecutor",
            "purpose": "Criminal proceedings no. 12022100000000123",
            **options,
        }
        bundle = export_bundle_create(case=case, requested_by=lead, **arguments)
        ExportBundle.objects.filter(pk=bundle.pk).update(bagging_date=BAGGING_DATE)
        bundle.refresh_from_db()
        return bundle

    return make


@pytest.fixture
def built_bundle(make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey) -> ExportBundle:
    """A finished (status done) bundle of the three archived items, for the national prosecutor."""
    bundle = make_bundle()
    return export_bundle_build(bundle_id=bundle.pk)


def unzip_bundle(bundle: ExportBundle, into: Path) -> Path:
    """Extract a finished bundle's ZIP from the evidence storage into ``into``; returns the bag folder."""
    from apps.evidence.storage import evidence_storage  # noqa: PLC0415

    with evidence_storage().open(bundle.storage_name, "rb") as stored, zipfile.ZipFile(stored) as archive:
        archive.extractall(into)
        top = archive.namelist()[0].split("/")[0]
    return into / top
