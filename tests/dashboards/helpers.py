"""Builders for dashboard tests: incidents with types and alleged weapons, casualty series."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from apps.cases.models import Case
from apps.incidents.enums import CasualtyScope
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType
from apps.weapons.models import WeaponType
from tests.factories import IncidentFactory, SourceFactory


def incident(case: Case, *, day: int = 6, month: int = 3, types: tuple[str, ...] = (), **fields: Any) -> Incident:
    fields.setdefault("latitude", Decimal("50.5218"))
    fields.setdefault("longitude", Decimal("30.2506"))
    made: Incident = IncidentFactory(case=case, start_at=datetime(2022, month, day, 8, 0, tzinfo=UTC), **fields)
    if types:
        made.incident_types.set(IncidentType.objects.filter(code__in=types))
    return made


def allege(case: Case, about: Incident | None, *weapon_slugs: str) -> Allegation:
    allegation = Allegation.objects.create(
        case=case,
        incident=about,
        source=SourceFactory(case=case),
        asserted_on=date(2022, 3, 7),
        summary="Weapons named",
    )
    for slug in weapon_slugs:
        AllegedWeapon.objects.create(allegation=allegation, weapon_type=WeaponType.objects.get(slug=slug))
    return allegation


def figure(
    case: Case, reporter: str, day: int, killed: int | None, injured: int | None, **fields: Any
) -> CasualtyFigure:
    fields.setdefault("scope", CasualtyScope.CASE)
    return CasualtyFigure.objects.create(
        case=case, reporter=reporter, as_of=date(2022, 3, day), killed=killed, injured=injured, **fields
    )
