from django.db import models
from django.utils.translation import gettext_lazy as _


class WeaponLevel(models.TextChoices):
    """The taxonomy's levels, from general to specific."""

    FAMILY = "family", _("Family")
    SYSTEM = "system", _("System")
    MUNITION = "munition", _("Munition")


class AliasLanguage(models.TextChoices):
    EN = "en", _("English")
    UK = "uk", _("Ukrainian")
