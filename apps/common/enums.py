"""Controlled vocabularies used by more than one app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimePrecision(models.TextChoices):
    """How precisely a date/time is known (after ACLED's time_precision)."""

    EXACT = "exact", _("Exact")
    HOUR = "hour", _("Within the hour")
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    APPROXIMATE = "approximate", _("Approximate")


class LocationPrecision(models.TextChoices):
    """How precisely a location is known (after ACLED's geo_precision)."""

    EXACT = "exact", _("Exact point")
    VICINITY = "vicinity", _("Vicinity (within a few kilometres)")
    SETTLEMENT = "settlement", _("Settlement")
    REGION = "region", _("Region")
