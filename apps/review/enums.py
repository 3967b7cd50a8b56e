from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    """One step of the review workflow, as recorded in the history and in custody ("decision")."""

    START = "review_started", _("Review started")
    APPROVE = "approved", _("Approved")
    REJECT = "rejected", _("Rejected")
    NEEDS_INFO = "needs_info", _("More information requested")
    # The investigator answered the question and sent the item back (see services.TRANSITIONS).
    RESUBMIT = "resubmitted", _("Answered and resubmitted")


class ChecklistAnswer(models.TextChoices):
    """An answer to one checklist question ("no" and "unclear" are answers too)."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNCLEAR = "unclear", _("Unclear")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class QueueAge(models.TextChoices):
    """How long an item has been in Custos, for the queue filter."""

    DAY = "1", _("Older than 1 day")
    WEEK = "7", _("Older than 7 days")
    MONTH = "30", _("Older than 30 days")


class Sensitivity(models.TextChoices):
    """The sensitivity flags the queue filters by."""

    GRAPHIC = "graphic", _("Graphic content")
    PERSONAL_DATA = "personal_data", _("Contains personal data")
    WITNESS_IDENTITY = "witness_identity", _("Reveals a witness's identity")
