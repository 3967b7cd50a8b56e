from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.common.models import PublicModel
from apps.common.validators import coordinate_constraints, coordinate_field
from apps.evidence.enums import (
    CollectionMethod,
    ConsentStatus,
    EvidenceKind,
    IntegrityStatus,
    ProcessingStatus,
    ReviewStatus,
)

if TYPE_CHECKING:
    from apps.incidents.models import Incident

SHA256_PREFIX = "sha256:"
SHA512_PREFIX = "sha512:"

# Lets the CHECK constraints below say sha256__length=71.
models.CharField.register_lookup(Length)


class EvidenceItem(PublicModel):
    """One piece of evidence: a file as received, or a physical item.

    The original bytes live in content-addressed, write-once storage under
    ``storage_name`` and are never rewritten; everything here describes
    them. Hashes are stored with their algorithm ("sha256:<hex>") so that a
    value can never be read as the wrong kind of digest. Declared fields
    come from the investigator; extracted ones from the file's own metadata.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="evidence_items", verbose_name=_("case")
    )
    number = models.PositiveIntegerField(
        _("item number"), help_text=_("Sequential within the case, as on a paper chain-of-custody form.")
    )
    incidents: models.ManyToManyField[Incident, IncidentLink] = models.ManyToManyField(
        "incidents.Incident",
        through="IncidentLink",
        related_name="evidence_items",
        verbose_name=_("incidents"),
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind)
    description = models.TextField(_("description"), blank=True)

    # The file as received. The declared filename is metadata only and never
    # becomes a path; see apps/evidence/filenames.py for its two forms.
    original_filename = models.TextField(
        _("original filename"), blank=True, help_text=_("As declared; control characters shown as \\xNN.")
    )
    original_filename_raw = models.BinaryField(_("original filename (exact bytes)"), blank=True, default=b"")
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    declared_content_type = models.CharField(_("declared content type"), max_length=255, blank=True)
    detected_content_type = models.CharField(_("detected content type"), max_length=255, blank=True)
    client_sha256 = models.CharField(_("SHA-256 given by the uploader"), max_length=71, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=71, blank=True, db_index=True)
    sha512 = models.CharField(_("SHA-512"), max_length=135, blank=True)
    storage_name = models.CharField(_("storage name"), max_length=300, blank=True, editable=False)
    # Where the received bytes wait for the pipeline (relative to the quarantine
    # storage); emptied once the archived copy has been verified.
    quarantine_name = models.CharField(_("quarantine name"), max_length=300, blank=True, editable=False)
    # Pipeline steps completed, in order: each step is idempotent and the list
    # lets a redelivered task skip what already ran (and wrote its custody).
    processing_steps = models.JSONField(_("processing steps done"), default=list, blank=True)
    perceptual_hash = models.CharField(_("perceptual hash"), max_length=100, blank=True, db_index=True)
    perceptual_hash_algorithm = models.CharField(_("perceptual hash algorithm"), max_length=20, blank=True)
    type_mismatch = models.BooleanField(
        _("type differs from the declared one"),
        default=False,
        help_text=_("The bytes are not what the name or declared type says."),
    )

    processing_status = models.CharField(
        _("processing status"), max_length=20, choices=ProcessingStatus, default=ProcessingStatus.RECEIVED
    )
    processing_error = models.TextField(_("processing error"), blank=True)
    processing_notes = models.TextField(
        _("processing notes"), blank=True, help_text=_("What the pipeline could not do with this file, and why.")
    )
    review_status = models.CharField(
        _("review status"), max_length=20, choices=ReviewStatus, default=ReviewStatus.SUBMITTED
    )
    integrity_status = models.CharField(
        _("integrity"), max_length=20, choices=IntegrityStatus, default=IntegrityStatus.UNCHECKED
    )
    last_fixity_check_at = models.DateTimeField(_("last fixity check"), null=True, blank=True, db_index=True)

    caption = models.TextField(_("caption"), blank=True)
    credit_line = models.CharField(_("credit line"), max_length=500, blank=True)
    rights_holder = models.CharField(_("rights holder"), max_length=300, blank=True)
    licence = models.CharField(_("licence"), max_length=300, blank=True)

    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collected by (user)"),
    )
    collector_name = models.CharField(
        _("collector"), max_length=300, blank=True, help_text=_("Who collected it, if not a Custos user.")
    )
    collection_method = models.CharField(
        _("collection method"), max_length=40, choices=CollectionMethod, default=CollectionMethod.OTHER
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_place = models.CharField(_("place collected"), max_length=300, blank=True)

    declared_captured_at = models.DateTimeField(_("captured at (declared)"), null=True, blank=True)
    extracted_captured_at = models.DateTimeField(_("captured at (from metadata)"), null=True, blank=True)
    declared_place_name = models.CharField(_("capture place (declared)"), max_length=300, blank=True)
    declared_latitude = coordinate_field("latitude", _("latitude (declared)"))
    declared_longitude = coordinate_field("longitude", _("longitude (declared)"))
    extracted_latitude = coordinate_field("latitude", _("latitude (from metadata)"))
    extracted_longitude = coordinate_field("longitude", _("longitude (from metadata)"))
    extracted_altitude_m = models.DecimalField(
        _("altitude in metres (from metadata)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    extracted_caption = models.TextField(_("caption (from metadata)"), blank=True)
    extracted_credit = models.CharField(_("credit (from metadata)"), max_length=500, blank=True)
    camera_make = models.CharField(_("camera make"), max_length=200, blank=True)
    camera_model = models.CharField(_("camera model"), max_length=200, blank=True)

    is_graphic = models.BooleanField(_("graphic content"), default=False, help_text=_("Previews are blurred."))
    contains_personal_data = models.BooleanField(_("contains personal data"), default=False)
    reveals_witness_identity = models.BooleanField(_("reveals a witness's identity"), default=False)

    consent_status = models.CharField(_("consent"), max_length=20, choices=ConsentStatus, default=ConsentStatus.UNKNOWN)
    # Who it may be shared with. Courts by default; media and the public only
    # when consent and rights allow. Exports enforce these.
    may_share_national_prosecutor = models.BooleanField(_("may share with national prosecutors"), default=True)
    may_share_icc = models.BooleanField(_("may share with the ICC"), default=True)
    may_share_other_courts = models.BooleanField(_("may share with other courts"), default=True)
    may_share_media = models.BooleanField(_("may share with media"), default=False)
    may_share_public = models.BooleanField(_("may publish"), default=False)
    consent_note = models.TextField(_("consent note"), blank=True)

    # Physical items (munition fragments, documents on paper).
    storage_location = models.CharField(_("storage location"), max_length=300, blank=True)
    seal_numbers = models.CharField(_("seal numbers"), max_length=300, blank=True)
    condition = models.TextField(_("condition"), blank=True)

    metadata = models.JSONField(_("extracted metadata"), default=dict, blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="evidence_item_number_unique_in_case"),
            models.CheckConstraint(
                condition=Q(sha256="") | Q(sha256__startswith=SHA256_PREFIX, sha256__length=71),
                name="evidence_item_sha256_format",
            ),
            models.CheckConstraint(
                condition=Q(sha512="") | Q(sha512__startswith=SHA512_PREFIX, sha512__length=135),
                name="evidence_item_sha512_format",
            ),
            *coordinate_constraints("declared", "declared_latitude", "declared_longitude"),
            *coordinate_constraints("extracted", "extracted_latitude", "extracted_longitude"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.original_filename}".strip()

    def get_absolute_url(self) -> str:
        return reverse("evidence:item_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """The item's human-readable reference, e.g. UA-2022-0001/E0001."""
        return f"{self.case.reference}/E{self.number:04d}"


class IncidentLink(models.Model):
    """An evidence item tied to an incident, with who tied it and when (custody records it too)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="evidence_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")
        constraints = [models.UniqueConstraint(fields=["item", "incident"], name="evidence_link_once")]

    def __str__(self) -> str:
        return f"{self.item_id} -> {self.incident_id}"


class Derivative(models.Model):
    """A working copy made from an original (thumbnail, preview, video poster), never the original itself.

    Stored content-addressed like originals, with its own hash; blurred
    derivatives are what graphic items show by default.
    """

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="derivatives", verbose_name=_("item"))
    kind = models.CharField(_("kind"), max_length=20)
    blurred = models.BooleanField(_("blurred"), default=False)
    storage_name = models.CharField(_("storage name"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=71)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    tool = models.CharField(_("made with"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("derivative")
        verbose_name_plural = _("derivatives")
        constraints = [
            models.UniqueConstraint(fields=["item", "kind", "blurred"], name="evidence_derivative_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}{' (blurred)' if self.blurred else ''}"


class PossibleDuplicate(models.Model):
    """A hint for a reviewer that two items of a case look alike (perceptual hashes close): never a merge."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="possible_duplicates")
    duplicate_of = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="+")
    algorithm = models.CharField(max_length=20)
    distance = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["item", "duplicate_of"], name="evidence_possible_duplicate_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.duplicate_of_id} ({self.distance})"
