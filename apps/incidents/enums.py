from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    PARTIALLY_VERIFIED = "partially_verified", _("Partially verified")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")
    DEBUNKED = "debunked", _("Debunked")


class WeaponConfidence(models.TextChoices):
    """How firmly a source asserts that a weapon type was used."""

    ALLEGED = "alleged", _("Alleged")
    PROBABLE = "probable", _("Probable")
    CONFIRMED = "confirmed", _("Confirmed")


class CasualtyScope(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    CASE = "case", _("Whole case")
    REGION = "region", _("Region or country")
