from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    DOCUMENT = "document", _("Document")
    OTHER_DIGITAL = "other_digital", _("Other digital file")
    PHYSICAL = "physical", _("Physical item")


class ProcessingStatus(models.TextChoices):
    """Where an original is in the intake pipeline: received -> processing -> archived, or failed."""

    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    ARCHIVED = "archived", _("Archived")
    FAILED = "failed", _("Failed")


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NEEDS_INFO = "needs_info", _("Needs more information")


class IntegrityStatus(models.TextChoices):
    """The result of the latest fixity check of the archived original."""

    UNCHECKED = "unchecked", _("Not yet checked")
    INTACT = "intact", _("Intact")
    FAILED = "failed", _("Integrity failure")


class CollectionMethod(models.TextChoices):
    CAPTURED_BY_INVESTIGATOR = "captured_by_investigator", _("Captured by the investigator")
    RECEIVED_FROM_WITNESS = "received_from_witness", _("Received from a witness")
    OPEN_SOURCE = "open_source", _("Collected from an open source (web, social media)")
    PROVIDED_BY_ORGANISATION = "provided_by_organisation", _("Provided by another organisation")
    PHYSICAL_RECOVERY = "physical_recovery", _("Recovered at the scene (physical item)")
    OTHER = "other", _("Other")


class ConsentStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required (e.g. public material)")
    OBTAINED = "obtained", _("Informed consent obtained")
    REFUSED = "refused", _("Consent refused")
    UNKNOWN = "unknown", _("Unknown")
