"""Writes of incidents, allegations and casualty figures.

Every write validates the whole object the way the database will (field
validators, then the model's CHECK constraints) before saving, so that bad
input is a ValidationError naming its field rather than an IntegrityError.
Callers check the permissions (incidents.permissions, accounts.permissions)
and that the case is open; these functions only keep the data consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from apps.incidents.enums import CasualtyScope, WeaponConfidence
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.sources.models import Source
    from apps.weapons.models import WeaponType

# The fields of an incident a caller may set (case, verification status and creator are not among them:
# the verification status has its own service with a reason and a history, apps.review.services).
INCIDENT_FIELDS = frozenset(
    {
        "title",
        "narrative",
        "start_at",
        "start_precision",
        "end_at",
        "end_precision",
        "place_name",
        "country_code",
        "admin1",
        "admin2",
        "admin3",
        "latitude",
        "longitude",
        "location_precision",
    }
)
ALLEGATION_FIELDS = frozenset({"source", "asserted_on", "claimant", "summary", "quote", "alleged_perpetrator"})


@dataclass(frozen=True)
class WeaponClaim:
    """One weapon type an allegation names, with how firmly and on what basis."""

    weapon_type: WeaponType
    confidence: str = WeaponConfidence.ALLEGED
    basis: str = ""


def _point_field(instance: models.Model) -> str:
    """The half of an incomplete point that is missing: the field to blame."""
    return "latitude" if getattr(instance, "latitude", None) is None else "longitude"


# Which field a CHECK constraint's message belongs to (None: the object as a whole).
_CONSTRAINT_FIELDS: dict[str, str | Callable[[models.Model], str]] = {
    "incidents_incident_ends_after_start": "end_at",
    "incidents_incident_location_latitude_range": "latitude",
    "incidents_incident_location_longitude_range": "longitude",
    "incidents_incident_location_point_complete": _point_field,
    "incidents_casualty_incident_scope_has_incident": "incident",
    "incidents_casualty_region_scope_has_region": "region_name",
    "incidents_casualty_has_a_count": "killed",
}


def validate_instance(instance: models.Model, *, extra: Mapping[str, list[str]] | None = None) -> None:
    """``full_clean`` with each CHECK constraint's message put on the field it is about.

    Django reports a violated CHECK constraint as an error of the whole
    object; an API client needs to know which field to fix. ``extra`` adds
    errors found by the caller (cross-object rules), reported together.
    """
    errors: dict[str, list[Any]] = {key: list(value) for key, value in (extra or {}).items()}
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    excluded = set(errors)
    for constraint in instance._meta.constraints:
        try:
            cast(Any, constraint).validate(type(instance), instance, exclude=excluded)
        except ValidationError as error:
            target = _CONSTRAINT_FIELDS.get(constraint.name, NON_FIELD_ERRORS)
            field = target(instance) if callable(target) else target
            errors.setdefault(field, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _set_fields(instance: models.Model, allowed: frozenset[str], values: Mapping[str, Any]) -> list[str]:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not settable here: {sorted(unknown)}")
    for name, value in values.items():
        setattr(instance, name, value)
    return list(values)


def incident_create(
    *,
    case: Case,
    created_by: User,
    values: Mapping[str, Any],
    incident_types: Iterable[IncidentType] = (),
    tags: Iterable[str] = (),
) -> Incident:
    """Record a new incident in ``case`` (unverified), with its types and tags.

    Side effects: one incident row, its type and tag links. Raises
    ValidationError (by field) when the values break a rule of the model.
    """
    incident = Incident(case=case, created_by=created_by)
    _set_fields(incident, INCIDENT_FIELDS, values)
    validate_instance(incident)
    with transaction.atomic():
        incident.save()
        incident.incident_types.set(list(incident_types))
        tag_names = sorted({name.strip() for name in tags if name.strip()})
        if tag_names:
            incident.tags.set(tag_names)
    return incident


def incident_update(
    *,
    incident: Incident,
    values: Mapping[str, Any],
    incident_types: Iterable[IncidentType] | None = None,
    tags: Iterable[str] | None = None,
) -> Incident:
    """Change some of an incident's fields; types and tags are replaced when given (None leaves them).

    The row is locked while it is checked and written, so that two edits of
    the same incident cannot interleave into a state neither validated
    (start from one, end from the other). Raises ValidationError by field.
    """
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        changed = _set_fields(locked, INCIDENT_FIELDS, values)
        validate_instance(locked)
        locked.save(update_fields=[*changed, "updated_at"])
        if incident_types is not None:
            locked.incident_types.set(list(incident_types))
        if tags is not None:
            locked.tags.set(sorted({name.strip() for name in tags if name.strip()}))
    return locked


def _same_case_errors(case: Case, **related: models.Model | None) -> dict[str, list[str]]:
    """Errors for related objects that belong to another case than ``case`` (each names its field)."""
    return {
        field: [_("Choose one from the same case.")]
        for field, other in related.items()
        if other is not None and getattr(other, "case_id", None) != case.pk
    }


def _weapon_claim_errors(claims: list[WeaponClaim]) -> dict[str, list[str]]:
    slugs = [claim.weapon_type.slug for claim in claims]
    if len(set(slugs)) != len(slugs):
        return {"alleged_weapons": [_("Name each weapon type once.")]}
    return {}


def _replace_weapon_claims(allegation: Allegation, claims: list[WeaponClaim]) -> None:
    allegation.weapon_claims.all().delete()
    rows = [
        AllegedWeapon(
            allegation=allegation, weapon_type=claim.weapon_type, confidence=claim.confidence, basis=claim.basis
        )
        for claim in claims
    ]
    for row in rows:
        row.full_clean(exclude=["allegation"], validate_constraints=False)
    AllegedWeapon.objects.bulk_create(rows)


def allegation_create(
    *,
    incident: Incident,
    source: Source,
    values: Mapping[str, Any],
    weapon_claims: list[WeaponClaim] | None = None,
) -> Allegation:
    """Record a claim a source makes about ``incident``, with the weapon types it names.

    The source must belong to the incident's case. Side effects: one
    allegation row and one row per weapon claim. Raises ValidationError by field.
    """
    claims = weapon_claims or []
    allegation = Allegation(case_id=incident.case_id, incident=incident, source=source)
    _set_fields(allegation, ALLEGATION_FIELDS - {"source"}, values)
    errors = {**_same_case_errors(incident.case, source=source), **_weapon_claim_errors(claims)}
    validate_instance(allegation, extra=errors)
    with transaction.atomic():
        allegation.save()
        _replace_weapon_claims(allegation, claims)
    return allegation


def allegation_update(
    *, allegation: Allegation, values: Mapping[str, Any], weapon_claims: list[WeaponClaim] | None = None
) -> Allegation:
    """Change some of an allegation's fields; its weapon claims are replaced as a whole when given.

    Locks the allegation while it is checked and written. Raises ValidationError by field.
    """
    with transaction.atomic():
        locked = Allegation.objects.select_for_update().select_related("case").get(pk=allegation.pk)
        changed = _set_fields(locked, ALLEGATION_FIELDS, values)
        errors = _same_case_errors(locked.case, source=values.get("source"))
        if weapon_claims is not None:
            errors.update(_weapon_claim_errors(weapon_claims))
        validate_instance(locked, extra=errors)
        locked.save(update_fields=[*changed, "updated_at"])
        if weapon_claims is not None:
            _replace_weapon_claims(locked, weapon_claims)
    return locked


def casualty_figure_record(
    *,
    case: Case,
    recorded_by: User,
    values: Mapping[str, Any],
) -> CasualtyFigure:
    """Add a figure to a reporter's series. Figures are never changed: a correction is a new figure with ``supersedes``.

    Rules beyond the model's constraints: the incident, source and the
    corrected figure belong to ``case``; only an incident-scoped figure names
    an incident. Side effects: one casualty figure row. Raises ValidationError by field.
    """
    figure = CasualtyFigure(case=case, recorded_by=recorded_by, **values)
    errors = _same_case_errors(case, incident=figure.incident, source=figure.source, supersedes=figure.supersedes)
    if figure.incident is not None and figure.scope != CasualtyScope.INCIDENT and "incident" not in errors:
        errors["incident"] = [_("Only an incident-scoped figure names an incident.")]
    validate_instance(figure, extra=errors)
    figure.save()
    return figure
