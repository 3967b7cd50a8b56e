"""Saving the incident form: the incident, its new sources, allegations and casualty figures, all or nothing.

Each object is written by its app's service (incidents.services, sources.services), the same functions the API
calls, inside one transaction: if any row breaks a rule, every error is put next to its field or row and
nothing is kept. A repeated submit of the create form (a double click, a resend after a lost connection) is
recognised by the form's idempotency token and answered with the incident the first submit created.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.incidents.enums import CasualtyScope, WeaponConfidence
from apps.incidents.forms import new_source_index
from apps.incidents.services import (
    WeaponClaim,
    allegation_create,
    allegation_update,
    casualty_figure_record,
    incident_create,
    incident_update,
)
from apps.sources.services import source_create
from apps.weapons.models import WeaponType

if TYPE_CHECKING:
    from uuid import UUID

    from django import forms

    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.incidents.forms import IncidentForm
    from apps.incidents.models import Allegation, CasualtyFigure, Incident
    from apps.sources.models import Source

IDEMPOTENCY_TIMEOUT = 24 * 60 * 60  # a token is remembered for a day
_PENDING = "pending"
# How long a repeated submit waits for the first one, still saving, before it gives up and says so.
PENDING_WAIT_SECONDS = 5.0

# Where a service's error about a field is shown on the form (the form splits date and time).
_INCIDENT_FIELDS: dict[str, str | None] = {"start_at": "start_date", "end_at": "end_date"}
_ALLEGATION_FIELDS: dict[str, str | None] = {"alleged_weapons": "weapons", "incident": None, "case": None}
_FIGURE_FIELDS: dict[str, str | None] = {"incident": None, "region_name": None, "scope": None, "case": None}
_SOURCE_FIELDS: dict[str, str | None] = {"published_at": "published_on", "case": None}


@dataclass
class IncidentForms:
    incident: IncidentForm
    sources: Any  # SourceFormSet
    allegations: Any  # AllegationFormSet
    figures: Any  # CasualtyFigureFormSet

    def is_valid(self) -> bool:
        # Every part is validated (not short-circuited), so that all errors show at once.
        results = [part.is_valid() for part in (self.incident, self.sources, self.allegations, self.figures)]
        return all(results)


class RollbackError(Exception):
    """Raised inside the transaction when a service refused a row: undo everything written so far."""


def _attach(form: forms.Form, error: ValidationError, names: Mapping[str, str | None]) -> None:
    """Put a service's errors on the form: on the field they name when the form has it, else on the form."""
    messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    for field, texts in messages.items():
        target = names.get(field, field)
        if target is None or target not in form.fields:
            target = None
        for text in texts:
            form.add_error(target, text)


def _weapon_claims(form: forms.Form, types: dict[str, WeaponType], existing: Allegation | None) -> list[WeaponClaim]:
    confidence: str = form.cleaned_data.get("confidence") or ""
    basis: str = form.cleaned_data.get("basis") or ""
    kept = {claim.weapon_type.slug: claim for claim in existing.weapon_claims.all()} if existing else {}
    claims = []
    for slug in form.cleaned_data.get("weapons", []):
        previous = kept.get(slug)
        if not confidence and previous is not None:
            claims.append(WeaponClaim(weapon_type=types[slug], confidence=previous.confidence, basis=previous.basis))
        else:
            claims.append(
                WeaponClaim(weapon_type=types[slug], confidence=confidence or WeaponConfidence.ALLEGED, basis=basis)
            )
    return claims


def _save_sources(forms_: IncidentForms, *, case: Case, user: User) -> tuple[dict[int, Source], bool]:
    new_sources: dict[int, Source] = {}
    failed = False
    for index, row in enumerate(forms_.sources.forms):
        if not row.has_changed():
            continue
        try:
            new_sources[index] = source_create(case=case, created_by=user, values=row.source_values())
        except ValidationError as error:
            _attach(row, error, _SOURCE_FIELDS)
            failed = True
    return new_sources, failed


def _save_allegations(
    forms_: IncidentForms,
    *,
    incident: Incident,
    sources: _Sources,
    allegations: dict[str, Allegation],
) -> bool:
    rows = forms_.allegations.changed_forms()
    slugs = {slug for row in rows for slug in row.cleaned_data.get("weapons", [])}
    types = {weapon.slug: weapon for weapon in WeaponType.objects.filter(slug__in=slugs)} if slugs else {}
    failed = False
    for row in rows:
        data = row.cleaned_data
        source = sources.resolve(row, data["source"])
        existing = allegations.get(str(data["id"])) if data.get("id") else None
        if data.get("id") and existing is None:
            row.add_error(None, _("This allegation is not one of this incident's."))
        if source is None or row.errors:
            failed = True
            continue
        values = {key: data[key] for key in ("asserted_on", "claimant", "summary", "quote")}
        claims = _weapon_claims(row, types, existing)
        try:
            if existing is None:
                allegation_create(incident=incident, source=source, values=values, weapon_claims=claims)
            else:
                allegation_update(allegation=existing, values={**values, "source": source}, weapon_claims=claims)
        except ValidationError as error:
            _attach(row, error, _ALLEGATION_FIELDS)
            failed = True
    return failed


_FIGURE_VALUES = (
    "reporter",
    "as_of",
    "period_start",
    "killed",
    "injured",
    "killed_children",
    "injured_children",
    "caveat",
)


def _save_figures(
    forms_: IncidentForms,
    *,
    case: Case,
    user: User,
    incident: Incident,
    sources: _Sources,
    figures: dict[int, CasualtyFigure],
) -> bool:
    failed = False
    for row in forms_.figures.changed_forms():
        data = row.cleaned_data
        source = sources.resolve(row, data["source"]) if data["source"] else None
        supersedes = figures.get(data["supersedes"]) if data.get("supersedes") is not None else None
        if data.get("supersedes") is not None and supersedes is None:
            row.add_error("supersedes", _("Choose a figure of this incident."))
        if row.errors:
            failed = True
            continue
        values = {
            "scope": CasualtyScope.INCIDENT,
            "incident": incident,
            "source": source,
            "supersedes": supersedes,
            **{key: data[key] for key in _FIGURE_VALUES},
        }
        try:
            casualty_figure_record(case=case, recorded_by=user, values=values)
        except ValidationError as error:
            _attach(row, error, _FIGURE_FIELDS)
            failed = True
    return failed


@dataclass
class _Sources:
    """The sources a row may cite: the case's existing ones (by id) and the ones just created from new rows."""

    existing: dict[str, Source]
    new: dict[int, Source]

    def resolve(self, form: forms.Form, value: str) -> Source | None:
        index = new_source_index(value)
        if index is None:
            source = self.existing.get(value)
            if source is None:
                form.add_error("source", _("Choose a source of this case, or a new source row."))
            return source
        source = self.new.get(index)
        if source is None:
            form.add_error(
                "source",
                _("New source row %(number)d is empty: fill it in or choose another source.") % {"number": index + 1},
            )
        return source


def _save_incident(forms_: IncidentForms, *, case: Case, user: User, incident: Incident | None) -> Incident:
    form = forms_.incident
    if incident is None:
        return incident_create(
            case=case,
            created_by=user,
            values=form.incident_values(),
            incident_types=form.cleaned_data["incident_types"],
            tags=form.cleaned_data["tags"],
        )
    return incident_update(
        incident=incident,
        values=form.incident_values(),
        incident_types=form.cleaned_data["incident_types"],
        tags=form.cleaned_data["tags"],
    )


def incident_forms_save(
    *,
    forms_: IncidentForms,
    case: Case,
    user: User,
    incident: Incident | None,
    case_sources: list[Source],
    allegations: list[Allegation],
    figures: list[CasualtyFigure],
) -> Incident | None:
    """Write what the forms hold (call after ``forms_.is_valid()``): the incident, then new sources, then the
    changed and new allegations, then new casualty figures. Returns the incident, or None when a service refused
    something; the errors are then on the forms and nothing was written.

    Side effects (when it succeeds): the rows the services write, in one transaction.
    """
    try:
        with transaction.atomic():
            try:
                saved = _save_incident(forms_, case=case, user=user, incident=incident)
            except ValidationError as error:
                _attach(forms_.incident, error, _INCIDENT_FIELDS)
                raise RollbackError from error
            new_sources, failed = _save_sources(forms_, case=case, user=user)
            sources = _Sources(existing={str(source.pk): source for source in case_sources}, new=new_sources)
            failed |= _save_allegations(
                forms_,
                incident=saved,
                sources=sources,
                allegations={str(allegation.pk): allegation for allegation in allegations},
            )
            failed |= _save_figures(
                forms_,
                case=case,
                user=user,
                incident=saved,
                sources=sources,
                figures={figure.pk: figure for figure in figures},
            )
            _rollback_if(failed=failed)
    except RollbackError:
        return None
    return saved


def _rollback_if(*, failed: bool) -> None:
    if failed:
        raise RollbackError


# --- Idempotent create ------------------------------------------------------------------------


def _token_key(user: User, token: UUID) -> str:
    return f"incidents:create-token:{user.pk}:{token}"


def create_token_claim(*, user: User, token: UUID) -> bool:
    """Claim the token for this submit; False when another submit with it is saving or has saved."""
    return bool(cache.add(_token_key(user, token), _PENDING, IDEMPOTENCY_TIMEOUT))


def create_token_incident(*, user: User, token: UUID, wait: float = 0.0) -> str | None:
    """The id of the incident a submit with this token created (None: none yet). Waits up to ``wait`` seconds
    for a submit that is still saving.
    """
    deadline = time.monotonic() + wait
    while True:
        value = cache.get(_token_key(user, token))
        if value and value != _PENDING:
            return str(value)
        if value is None or time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def create_token_record(*, user: User, token: UUID, incident: Incident) -> None:
    cache.set(_token_key(user, token), str(incident.pk), IDEMPOTENCY_TIMEOUT)


def create_token_release(*, user: User, token: UUID) -> None:
    """Forget a claim whose submit saved nothing (invalid input), so that the corrected form can be sent."""
    cache.delete(_token_key(user, token))
