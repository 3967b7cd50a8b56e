from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenAccess(models.TextChoices):
    """What a token may do within its cases (never more than the owner's role there allows)."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
