from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    """Where a bundle is: pending (queued) -> building -> done, or failed with the reason in ``error``."""

    PENDING = "pending", _("Pending")
    BUILDING = "building", _("Building")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RecipientType(models.TextChoices):
    """Who receives a bundle; each maps to one EvidenceItem.may_share_* flag (RECIPIENT_SHARING_FIELD)."""

    NATIONAL_PROSECUTOR = "national_prosecutor", _("National prosecutor")
    ICC = "icc", _("International Criminal Court")
    OTHER_COURT = "other_court", _("Other court or tribunal")
    MEDIA = "media", _("Media")
    PUBLIC = "public", _("The public")


# The EvidenceItem field that says whether an item may go to a recipient of this type.
RECIPIENT_SHARING_FIELD: dict[str, str] = {
    RecipientType.NATIONAL_PROSECUTOR: "may_share_national_prosecutor",
    RecipientType.ICC: "may_share_icc",
    RecipientType.OTHER_COURT: "may_share_other_courts",
    RecipientType.MEDIA: "may_share_media",
    RecipientType.PUBLIC: "may_share_public",
}
