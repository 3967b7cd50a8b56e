"""The register of case bundles: who exported what, when, for whom, and the bundle's SHA-256."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import PublicModel
from apps.exports.enums import ExportStatus, RecipientType

if TYPE_CHECKING:
    from apps.incidents.models import Incident


class ExportBundle(PublicModel):
    """One case bundle (a signed BagIt ZIP), from the request to the finished file.

    Rows are written only by apps.exports.services. ``bagging_date`` is fixed
    when the build starts and is the only clock the bundle's content reads,
    so that the same case state and bagging date give byte-identical bundles.
    The ZIP lives in the "evidence" storage under ``storage_name``.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="exports", verbose_name=_("case"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(_("status"), max_length=20, choices=ExportStatus, default=ExportStatus.PENDING)
    incidents: models.ManyToManyField[Incident, models.Model] = models.ManyToManyField(
        "incidents.Incident",
        related_name="+",
        blank=True,
        verbose_name=_("incidents"),
        help_text=_("Only evidence linked to these incidents; none means the whole case."),
    )
    include_pending = models.BooleanField(
        _("include pending evidence"),
        default=False,
        help_text=_("Also include evidence not yet approved; it is marked as pending in the bundle."),
    )
    include_derivatives = models.BooleanField(
        _("include derivatives"), default=False, help_text=_("Also include thumbnails and previews.")
    )
    recipient_type = models.CharField(_("recipient type"), max_length=30, choices=RecipientType)
    recipient_organisation = models.CharField(_("recipient organisation"), max_length=300, blank=True)
    recipient_person = models.CharField(_("recipient person"), max_length=300, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    bagging_date = models.DateTimeField(_("bagging date"), null=True, blank=True)
    progress_done = models.PositiveBigIntegerField(_("bytes written"), default=0)
    progress_total = models.PositiveBigIntegerField(_("bytes to write"), default=0)
    storage_name = models.CharField(_("storage name"), max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=71, blank=True)
    item_count = models.PositiveIntegerField(_("items included"), default=0)
    excluded = models.JSONField(_("items left out"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case bundle")
        verbose_name_plural = _("case bundles")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.pk} ({self.status})"
