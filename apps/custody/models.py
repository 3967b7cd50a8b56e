from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.custody.enums import CustodyAction


class CustodyEventQuerySet(models.QuerySet["CustodyEvent"]):
    """Refuses bulk updates and deletes: custody is append-only.

    This guards the ORM; database triggers (the custody issue) guard raw SQL.
    """

    def update(self, **kwargs: object) -> int:
        raise CustodyAppendOnlyError

    def delete(self) -> tuple[int, dict[str, int]]:
        raise CustodyAppendOnlyError


class CustodyEvent(models.Model):
    """One action on one evidence item, a link in that item's hash chain.

    Rows are only ever inserted, by apps.custody.services.custody_record,
    which numbers them per item and chains each to the previous event's
    hash. ``actor`` is a snapshot label ("user:alice" or
    "system:custos-worker/0.1.0") so that the chain verifies unchanged even
    if a user is later renamed.
    """

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(
        "evidence.EvidenceItem", on_delete=models.PROTECT, related_name="custody_events", verbose_name=_("item")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=40, choices=CustodyAction)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting user"),
    )
    actor = models.CharField(_("actor"), max_length=300)
    occurred_at = models.DateTimeField(_("time (UTC)"))
    details = models.JSONField(_("details"), default=dict)
    prev_hash = models.CharField(_("previous event's hash"), max_length=71)
    event_hash = models.CharField(_("event hash"), max_length=71, unique=True)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["item", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["item", "sequence"], name="custody_event_sequence_unique"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="custody_event_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} #{self.sequence} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise CustodyAppendOnlyError
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise CustodyAppendOnlyError


class CustodyAppendOnlyError(Exception):
    def __init__(self) -> None:
        super().__init__("Custody events are append-only: they are never updated or deleted.")
