"""The review history of evidence items and the verification history of incidents: both append-only.

The current state lives on the reviewed object (EvidenceItem.review_status, Incident.verification_status); these
rows say who moved it, when, from what to what and why. Review decisions are also custody events, so the history
here is a convenient, queryable copy of what the hash chain proves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.evidence.enums import ReviewStatus
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision


class HistoryImmutableError(Exception):
    """A history row is never changed or deleted; record a new decision instead."""


class AppendOnlyModel(models.Model):
    """Rows that may be inserted, never updated or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise HistoryImmutableError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HistoryImmutableError


class ReviewDecision(AppendOnlyModel):
    """One step of an item's review: who took it, from which state to which, with the reason, question and checklist."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(
        "evidence.EvidenceItem", on_delete=models.PROTECT, related_name="review_decisions", verbose_name=_("item")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the item was rejected (required then)."))
    question = models.TextField(
        _("question"), blank=True, help_text=_("What the investigator is asked (required for more information).")
    )
    answer = models.TextField(_("answer"), blank=True, help_text=_("The investigator's answer, when resubmitting."))
    checklist = models.JSONField(
        _("checklist"), default=dict, blank=True, help_text=_('The answers: {key: {"answer": ..., "note": ...}}.')
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ReviewStatus)
    to_status = models.CharField(_("to"), max_length=20, choices=ReviewStatus)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["item", "created_at", "id"]
        indexes = [models.Index(fields=["item", "created_at"], name="review_decision_item_time_idx")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_status} -> {self.to_status}"


class IncidentVerificationChange(AppendOnlyModel):
    """One change of an incident's verification status, with who made it and why."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        related_name="verification_changes",
        verbose_name=_("incident"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    from_status = models.CharField(_("from"), max_length=30, choices=VerificationStatus)
    to_status = models.CharField(_("to"), max_length=30, choices=VerificationStatus)
    reason = models.TextField(_("reason"), help_text=_("Why the status changed: what was checked, and against what."))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident verification change")
        verbose_name_plural = _("incident verification changes")
        ordering = ["incident", "created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="review_verif_incident_time_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_status} -> {self.to_status}"
