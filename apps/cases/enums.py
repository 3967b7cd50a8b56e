from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class InvitationState(models.TextChoices):
    """Where an invitation stands; derived from its dates, never stored."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Already used")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
