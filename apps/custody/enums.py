from django.db import models
from django.utils.translation import gettext_lazy as _


class CustodyAction(models.TextChoices):
    """Everything that can happen to a piece of evidence, each a custody event."""

    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Hash verified")
    IDENTIFIED = "identified", _("File type identified")
    METADATA_EXTRACTED = "metadata_extracted", _("Metadata extracted")
    FINGERPRINTED = "fingerprinted", _("Perceptual hash computed")
    DERIVATIVE_CREATED = "derivative_created", _("Derivative created")
    ARCHIVED = "archived", _("Archived")
    PROCESSING_FAILED = "processing_failed", _("Processing failed")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    METADATA_EDITED = "metadata_edited", _("Metadata edited")
    INCIDENT_LINKED = "incident_linked", _("Linked to an incident")
    INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from an incident")
    REVIEW_DECISION = "review_decision", _("Review decision")
    EXPORTED = "exported", _("Included in an export")
    FIXITY_PASSED = "fixity_passed", _("Fixity check passed")
    FIXITY_FAILED = "fixity_failed", _("Fixity check failed")
    CUSTODY_TRANSFERRED = "custody_transferred", _("Custody transferred")
    PHYSICAL_SEALED = "physical_sealed", _("Physical item sealed")
    PHYSICAL_MOVED = "physical_moved", _("Physical item moved")
    PHYSICAL_STORED = "physical_stored", _("Physical item stored")
