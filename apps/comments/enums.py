from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """Why a user is told about something. Each kind has its own sentence in the notification list."""

    MENTION = "mention", _("Mention")
    EXPORT_READY = "export_ready", _("Bundle ready")
    FIXITY_DONE = "fixity_done", _("Fixity check finished")
