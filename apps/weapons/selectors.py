"""Reads of the weapon taxonomy. The taxonomy is not case data: every signed-in user may read it."""

from django.db.models import Q, QuerySet

from apps.weapons.models import WeaponAlias, WeaponType
from apps.weapons.text import normalize_term


def weapon_type_by_alias(*, alias: str) -> WeaponType | None:
    """The weapon type an alias names exactly ("vacuum bomb" -> thermobaric weapons)."""
    match = (
        WeaponAlias.objects.filter(normalized=normalize_term(alias))
        .select_related("weapon_type")
        .order_by("weapon_type__depth", "weapon_type__path")
        .first()
    )
    return match.weapon_type if match else None


def weapon_type_search(*, query: str) -> QuerySet[WeaponType]:
    """Weapon types whose name or any alias, in English or Ukrainian, contains the query."""
    term = normalize_term(query)
    if not term:
        return WeaponType.objects.none()
    by_alias = WeaponAlias.objects.filter(normalized__contains=term).values("weapon_type_id")
    return WeaponType.objects.filter(Q(search_text__contains=term) | Q(pk__in=by_alias)).order_by("path")


def weapon_type_with_descendants(*, weapon_type: WeaponType) -> QuerySet[WeaponType]:
    """The type and every type below it: filtering by a family includes its systems and munitions."""
    return WeaponType.objects.filter(path__startswith=weapon_type.path, depth__gte=weapon_type.depth)
