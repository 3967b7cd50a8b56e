from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.cases.enums import CaseStatus
from apps.common.models import PublicModel

case_reference_validator = RegexValidator(
    regex=r"^[A-Z0-9]+(?:-[A-Z0-9]+)*\Z",
    message=_("Use capital letters, digits and hyphens, for example UA-2022-0001."),
)


class Case(PublicModel):
    """An investigation: the unit of need-to-know access and of export."""

    reference = models.CharField(
        _("reference"),
        max_length=32,
        unique=True,
        validators=[case_reference_validator],
        help_text=_("A unique, human-readable reference such as UA-2022-0001."),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus, default=CaseStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"
