"""Field validators and matching database constraints for coordinates.

Latitude and longitude are checked twice: by validators (a clear message next
to the form field) and by CHECK constraints (no code path, raw SQL included,
can store a point that is off the globe).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

latitude_validators = [
    MinValueValidator(Decimal(-90), message=_("Latitude must be between -90 and 90 degrees.")),
    MaxValueValidator(Decimal(90), message=_("Latitude must be between -90 and 90 degrees.")),
]
longitude_validators = [
    MinValueValidator(Decimal(-180), message=_("Longitude must be between -180 and 180 degrees.")),
    MaxValueValidator(Decimal(180), message=_("Longitude must be between -180 and 180 degrees.")),
]


def coordinate_field(kind: str, verbose_name: StrOrPromise) -> models.DecimalField:  # type: ignore[type-arg]
    """A nullable decimal degree field; 6 decimals is about 0.1 m."""
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=latitude_validators if kind == "latitude" else longitude_validators,
    )


def coordinate_constraints(prefix: str, lat: str, lon: str) -> list[models.BaseConstraint]:
    """CHECK constraints: ranges, and a point is either whole or absent."""
    name = "%(app_label)s_%(class)s_" + prefix
    return [
        models.CheckConstraint(
            condition=Q(**{f"{lat}__isnull": True}) | Q(**{f"{lat}__gte": -90, f"{lat}__lte": 90}),
            name=f"{name}_latitude_range",
            violation_error_message=_("Latitude must be between -90 and 90 degrees."),
        ),
        models.CheckConstraint(
            condition=Q(**{f"{lon}__isnull": True}) | Q(**{f"{lon}__gte": -180, f"{lon}__lte": 180}),
            name=f"{name}_longitude_range",
            violation_error_message=_("Longitude must be between -180 and 180 degrees."),
        ),
        models.CheckConstraint(
            condition=Q(**{f"{lat}__isnull": True}, **{f"{lon}__isnull": True})
            | Q(**{f"{lat}__isnull": False}, **{f"{lon}__isnull": False}),
            name=f"{name}_point_complete",
            violation_error_message=_("Give both latitude and longitude, or neither."),
        ),
    ]
