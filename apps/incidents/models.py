from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from apps.common.enums import LocationPrecision, TimePrecision
from apps.common.languages import name_in_language
from apps.common.models import PublicModel, TimeStampedModel
from apps.common.validators import coordinate_constraints, coordinate_field
from apps.incidents.enums import CasualtyScope, VerificationStatus, WeaponConfidence

if TYPE_CHECKING:
    from apps.weapons.models import WeaponType


class IncidentType(models.Model):
    """The controlled vocabulary of incident types, shipped by a data migration.

    Each type maps to the ACLED event type/sub-event type it corresponds to,
    so that incidents can be compared with conflict-event datasets.
    """

    code = models.SlugField(_("code"), max_length=60, primary_key=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    acled_event_type = models.CharField(_("ACLED event type"), max_length=100, blank=True)
    acled_sub_event_type = models.CharField(_("ACLED sub-event type"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return name_in_language(self.name, self.name_uk)


class Incident(PublicModel):
    """Something that happened at a place and time, documented within a case.

    Times carry their precision because sources rarely know the minute: an
    incident "on 6 March" is stored at the start of that day with precision
    DAY, never as if it were exact.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("case"))
    title = models.CharField(_("title"), max_length=300)
    narrative = models.TextField(_("narrative"), blank=True, help_text=_("What happened, in the investigator's words."))

    start_at = models.DateTimeField(_("start"), help_text=_("When it began, as precisely as known."))
    start_precision = models.CharField(
        _("start precision"), max_length=20, choices=TimePrecision, default=TimePrecision.EXACT
    )
    end_at = models.DateTimeField(_("end"), null=True, blank=True)
    end_precision = models.CharField(
        _("end precision"), max_length=20, choices=TimePrecision, default=TimePrecision.EXACT
    )

    place_name = models.CharField(_("place name"), max_length=300, blank=True)
    country_code = models.CharField(_("country"), max_length=2, default="UA", help_text=_("ISO 3166-1 alpha-2."))
    admin1 = models.CharField(_("oblast (admin 1)"), max_length=200, blank=True)
    admin2 = models.CharField(_("raion (admin 2)"), max_length=200, blank=True)
    admin3 = models.CharField(_("hromada (admin 3)"), max_length=200, blank=True)
    latitude = coordinate_field("latitude", _("latitude"))
    longitude = coordinate_field("longitude", _("longitude"))
    location_precision = models.CharField(
        _("location precision"), max_length=20, choices=LocationPrecision, default=LocationPrecision.SETTLEMENT
    )

    # On PostgreSQL the incident's row also holds these codes, kept by the database for the list's type filter
    # (column incident_type_codes, not a field here: apps/incidents/type_codes.py).
    incident_types = models.ManyToManyField(
        IncidentType, related_name="incidents", verbose_name=_("incident types"), blank=True
    )
    verification_status = models.CharField(
        _("verification status"), max_length=30, choices=VerificationStatus, default=VerificationStatus.UNVERIFIED
    )
    tags = TaggableManager(_("tags"), through="TaggedIncident", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-start_at"]
        indexes = [
            models.Index(fields=["case", "start_at"], name="incident_case_start_idx"),
            # The lists' oblast and raion filters compare case-insensitively (UPPER(admin1) = UPPER(%s)).
            models.Index(F("case"), Upper("admin1"), name="incident_case_admin1_idx"),
            models.Index(F("case"), Upper("admin2"), name="incident_case_admin2_idx"),
        ]
        constraints = [
            *coordinate_constraints("location", "latitude", "longitude"),
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gte=F("start_at")),
                name="incidents_incident_ends_after_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaggedIncident(TaggedItemBase):
    """Tag links with a real foreign key (incident ids are UUIDs, and a join beats a generic relation)."""

    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tag_links")

    class Meta:
        verbose_name = _("incident tag")
        verbose_name_plural = _("incident tags")


class Allegation(PublicModel):
    """A named source asserting something on a date: a claim, not a finding.

    Usually about one incident; a general claim ("cluster munitions are being
    used") belongs to the case without an incident.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="allegations", verbose_name=_("case"))
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
        verbose_name=_("incident"),
        help_text=_("Leave empty for a claim about the conflict in general rather than one incident."),
    )
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="allegations", verbose_name=_("source")
    )
    asserted_on = models.DateField(_("asserted on"))
    claimant = models.CharField(
        _("claimant"), max_length=300, blank=True, help_text=_("Who makes the claim, e.g. NATO Secretary General.")
    )
    summary = models.CharField(_("summary"), max_length=500)
    quote = models.TextField(_("quote"), blank=True, help_text=_("The claim in the source's own words."))
    alleged_perpetrator = models.CharField(_("alleged perpetrator"), max_length=300, blank=True)
    alleged_weapons: models.ManyToManyField[WeaponType, AllegedWeapon] = models.ManyToManyField(
        "weapons.WeaponType",
        through="AllegedWeapon",
        related_name="allegations",
        verbose_name=_("alleged weapons"),
        blank=True,
    )

    class Meta:
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")
        ordering = ["asserted_on"]

    def __str__(self) -> str:
        return self.summary


class AllegedWeapon(models.Model):
    """A weapon type an allegation names, with how firmly and on what basis."""

    allegation = models.ForeignKey(
        Allegation, on_delete=models.CASCADE, related_name="weapon_claims", verbose_name=_("allegation")
    )
    weapon_type = models.ForeignKey(
        "weapons.WeaponType", on_delete=models.PROTECT, related_name="+", verbose_name=_("weapon type")
    )
    confidence = models.CharField(
        _("confidence"), max_length=20, choices=WeaponConfidence, default=WeaponConfidence.ALLEGED
    )
    basis = models.TextField(
        _("basis"), blank=True, help_text=_("What the claim rests on: remnants, imagery, a statement.")
    )

    class Meta:
        verbose_name = _("alleged weapon")
        verbose_name_plural = _("alleged weapons")
        constraints = [
            models.UniqueConstraint(fields=["allegation", "weapon_type"], name="incidents_alleged_weapon_once"),
        ]

    def __str__(self) -> str:
        return f"{self.weapon_type} ({self.get_confidence_display()})"


class CasualtyFigure(TimeStampedModel):
    """Killed and injured as reported by one reporter, as of one date.

    Figures form a time series per reporter and scope and are never
    overwritten: a newer or corrected count is a new row (``supersedes``
    points at the row a correction replaces). save() refuses updates.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="casualty_figures", verbose_name=_("case")
    )
    scope = models.CharField(_("scope"), max_length=20, choices=CasualtyScope)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="casualty_figures",
        verbose_name=_("incident"),
    )
    region_name = models.CharField(_("region"), max_length=300, blank=True, help_text=_("For a regional figure."))
    reporter = models.CharField(_("reporter"), max_length=300, help_text=_("Whose count this is, e.g. OHCHR."))
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="casualty_figures",
        verbose_name=_("source"),
    )
    as_of = models.DateField(_("as of"))
    period_start = models.DateField(_("counted since"), null=True, blank=True)
    killed = models.PositiveIntegerField(_("killed"), null=True, blank=True)
    injured = models.PositiveIntegerField(_("injured"), null=True, blank=True)
    killed_children = models.PositiveIntegerField(_("children killed"), null=True, blank=True)
    killed_women = models.PositiveIntegerField(_("women killed"), null=True, blank=True)
    killed_men = models.PositiveIntegerField(_("men killed"), null=True, blank=True)
    killed_sex_undetermined = models.PositiveIntegerField(_("killed, sex not yet determined"), null=True, blank=True)
    injured_children = models.PositiveIntegerField(_("children injured"), null=True, blank=True)
    injured_women = models.PositiveIntegerField(_("women injured"), null=True, blank=True)
    injured_men = models.PositiveIntegerField(_("men injured"), null=True, blank=True)
    injured_sex_undetermined = models.PositiveIntegerField(_("injured, sex not yet determined"), null=True, blank=True)
    caveat = models.TextField(
        _("caveat"), blank=True, help_text=_("The reporter's own caveat, e.g. actual numbers are higher.")
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("casualty figure")
        verbose_name_plural = _("casualty figures")
        ordering = ["reporter", "as_of", "id"]
        indexes = [models.Index(fields=["case", "reporter", "as_of"], name="casualty_series_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope=CasualtyScope.INCIDENT) | Q(incident__isnull=False),
                name="incidents_casualty_incident_scope_has_incident",
                violation_error_message=_("An incident-scoped figure needs its incident."),
            ),
            models.CheckConstraint(
                condition=~Q(scope=CasualtyScope.REGION) | ~Q(region_name=""),
                name="incidents_casualty_region_scope_has_region",
                violation_error_message=_("A regional figure needs its region."),
            ),
            models.CheckConstraint(
                condition=Q(killed__isnull=False) | Q(injured__isnull=False),
                name="incidents_casualty_has_a_count",
                violation_error_message=_("Give the number killed, injured, or both."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} {self.as_of}: {self.killed} killed, {self.injured} injured"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise CasualtyFigureImmutableError
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CasualtyFigureImmutableError(Exception):
    """A casualty figure is part of a series and is never changed; record a correction instead."""

    def __init__(self) -> None:
        super().__init__("Casualty figures are never overwritten; record a new figure that supersedes this one.")
