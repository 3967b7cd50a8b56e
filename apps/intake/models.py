from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import PublicModel


class TusUpload(PublicModel):
    """A resumable (tus 1.0) upload in progress.

    The bytes accumulate in a quarantine file; when the last byte arrives the
    upload becomes an EvidenceItem through the same receipt as a form upload.
    Unfinished uploads expire (INTAKE_TUS_EXPIRY_HOURS) and are removed.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    length = models.PositiveBigIntegerField(_("declared length"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    metadata = models.JSONField(_("upload metadata"), default=dict)
    quarantine_name = models.CharField(_("quarantine name"), max_length=300)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    item = models.OneToOneField(
        "evidence.EvidenceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item"),
    )

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")

    def __str__(self) -> str:
        return f"{self.pk} ({self.offset}/{self.length})"
