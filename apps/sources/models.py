from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import PublicModel
from apps.sources.enums import SourceReliability, SourceType


class Source(PublicModel):
    """Where information comes from: a report, a statement, a witness, a post.

    Sources belong to a case because some are confidential (a witness
    account names a person); need-to-know applies to them as to evidence.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sources", verbose_name=_("case"))
    source_type = models.CharField(_("type"), max_length=30, choices=SourceType)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(
        _("publisher"), max_length=300, blank=True, help_text=_("The organisation that published it, e.g. OHCHR.")
    )
    author = models.CharField(_("author"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True, help_text=_("e.g. en, uk, ru"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retrieved_at = models.DateTimeField(
        _("retrieved at"), null=True, blank=True, help_text=_("When the investigator saw or captured it.")
    )
    reliability = models.CharField(
        _("reliability"), max_length=30, choices=SourceReliability, default=SourceReliability.UNKNOWN
    )
    notes = models.TextField(_("notes"), blank=True)
    # Witness identity: hidden from observers and from exports without consent.
    witness_name = models.CharField(
        _("witness name"),
        max_length=300,
        blank=True,
        help_text=_("Witness identity: visible only to roles with the right."),
    )
    witness_contact = models.TextField(
        _("witness contact"), blank=True, help_text=_("Witness identity: visible only to roles with the right.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_at", "title"]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title}" if self.publisher else self.title
