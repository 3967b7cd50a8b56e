from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.custody.enums import CustodyAction

_Model = TypeVar("_Model", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_Model]):
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

    objects = AppendOnlyQuerySet.as_manager()

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


class CustodyCheckpoint(models.Model):
    """A Merkle root over every item's chain head at one moment.

    A per-item hash chain shows that no event of that item was changed,
    removed or reordered, but not that a whole item's chain still exists.
    The checkpoint does: its leaves name every chain head, so a deleted
    chain is a leaf whose event is gone. When a time-stamping authority is
    configured, the root is timestamped (RFC 3161), which proves the
    checkpoint existed at that time, without trusting this server's clock.
    docs/custody-format.md specifies leaves, tree and timestamp.
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("created at"))
    root_hash = models.CharField(_("Merkle root"), max_length=71)
    leaf_count = models.PositiveIntegerField(_("chains"))
    event_count = models.PositiveBigIntegerField(_("events"))
    # gzip-compressed JSON Lines, one [item_id, sequence, event_hash] a line,
    # sorted by item id: the leaves, so that a verifier can say which chain changed.
    leaves = models.BinaryField(_("leaves"))
    tsa_url = models.CharField(_("time-stamping authority"), max_length=500, blank=True)
    tsa_response = models.BinaryField(_("RFC 3161 response"), null=True, blank=True)
    tsa_time = models.DateTimeField(_("timestamped at"), null=True, blank=True)
    tsa_error = models.TextField(_("timestamping error"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()  # append-only, like the events

    class Meta:
        verbose_name = _("custody checkpoint")
        verbose_name_plural = _("custody checkpoints")
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.root_hash[:19]}…"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise CustodyAppendOnlyError
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_timestamped(self) -> bool:
        return self.tsa_response is not None


class IntegrityAlert(models.Model):
    """A fixity failure: an archived file missing or not matching its hash.

    Shown as a banner to the case's leads and to site admins until resolved,
    and e-mailed to them when raised.
    """

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(
        "evidence.EvidenceItem", on_delete=models.PROTECT, related_name="integrity_alerts", verbose_name=_("item")
    )
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)
    problem = models.CharField(
        _("problem"), max_length=20, choices=[("missing", _("File missing")), ("mismatch", _("Hash mismatch"))]
    )
    details = models.JSONField(_("details"), default=dict)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("integrity alert")
        verbose_name_plural = _("integrity alerts")
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_problem_display()}"
