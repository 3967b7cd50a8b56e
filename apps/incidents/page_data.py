"""Reads for the incident pages: the filtered, searched and sorted list, one incident with all it shows, and the
vocabularies the form offers (weapon taxonomy with aliases, known places).

Everything starts from the need-to-know querysets (incidents.selectors, evidence.permissions), and every page is
built in a number of queries that does not grow with its rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache as memoize
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from apps.common.search import full_text_search
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.permissions import visible_items
from apps.incidents import selectors, type_codes
from apps.incidents.display import time_html, verification_label
from apps.incidents.filters import IncidentFilter
from apps.incidents.models import Allegation, CasualtyFigure, Incident
from apps.incidents.permissions import visible_incidents
from apps.incidents.selectors import allegation_list, casualty_figure_list
from apps.review.selectors import incident_verification_history
from apps.sources.models import Source
from apps.weapons.models import WeaponAlias, WeaponType
from apps.weapons.text import normalize_term

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.review.models import IncidentVerificationChange

# The fields ?search= looks in: the same as the API's (apps/incidents/api.py, IncidentListView.search_fields).
SEARCH_FIELDS = ("title", "narrative", "place_name", "admin1", "admin2", "admin3")

# ?sort= values (a leading "-" reverses) and the columns they order by; the id breaks ties so pages are stable.
SORTS: dict[str, tuple[str, ...]] = {
    "start": ("start_at",),
    "title": ("title",),
    "place": ("admin1", "admin2", "place_name"),
    "status": ("verification_status",),
}
DEFAULT_SORT = "-start"

# Between the levels of a weapon type's path in the taxonomy (a single right-pointing angle quotation mark).
PATH_SEPARATOR = " \u203a "

# The most rows of a case's incidents the place search reads (a page must stay small on a large case).
MAX_CASE_PLACES = 2000
GAZETTEER_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.json"


def parse_sort(value: str | None) -> str:
    """A valid ?sort= value, or the default (newest first)."""
    key = (value or "").removeprefix("-")
    return value if value and key in SORTS else DEFAULT_SORT


def _order(queryset: QuerySet[Incident], sort: str) -> QuerySet[Incident]:
    descending = sort.startswith("-")
    columns = SORTS[sort.removeprefix("-")]
    prefix = "-" if descending else ""
    return queryset.order_by(*(f"{prefix}{column}" for column in columns), f"{prefix}id")


@dataclass
class IncidentListResult:
    filterset: IncidentFilter
    queryset: QuerySet[Incident]  # the matching incidents, ordered (of ``base``: see incident_list_for_page)
    search: str
    sort: str


# The list's filters whose values the page writes back into its form (incident_type may repeat: read apart).
LIST_FILTER_NAMES = (
    "case",
    "start_after",
    "start_before",
    "admin1",
    "admin2",
    "verification_status",
    "has_approved_evidence",
    "weapon",
)


# The filter form's vocabularies (weapon taxonomy, incident types) are read once per language for this long and
# shared by every list view: they change rarely (a data migration, the admin), and a change to a type empties them
# (apps/incidents/signals.py); the time limit bounds what changes without a signal (a move in the taxonomy's tree).
FILTER_OPTIONS_SECONDS = 300


@dataclass(frozen=True)
class ListFilterOptions:
    """The choices of the list's weapon and incident type filters, already escaped for HTML (value, label)."""

    weapons: tuple[tuple[str, str], ...]  # (slug, path in the taxonomy), families first
    incident_types: tuple[tuple[str, str], ...]  # (code, name), in the vocabulary's order

    def weapon_options_html(self, selected: str) -> SafeString:
        """The weapon filter's <option>s, ``selected`` marked. Both parts were escaped when read."""
        return SafeString(
            "".join(
                f'<option value="{slug}"{" selected" if slug == selected else ""}>{label}</option>'
                for slug, label in self.weapons
            )
        )

    def incident_type_checkboxes_html(self, selected: Sequence[str]) -> SafeString:
        """The incident type filter's labelled checkboxes, those in ``selected`` checked."""
        return SafeString(
            "".join(
                f'<label class="check"><input type="checkbox" name="incident_type" value="{code}" '
                f'id="id_incident_type_{number}"{" checked" if code in selected else ""}> {label}</label>'
                for number, (code, label) in enumerate(self.incident_types)
            )
        )


def list_filter_options() -> ListFilterOptions:
    """The choices of the list's weapon and incident type filters, with names in the active language.

    The filter form is on every view of the list: its options are written as HTML here, once per language and
    FILTER_OPTIONS_SECONDS, rather than by the template engine on each view (they are most of its work).
    """

    def read() -> ListFilterOptions:
        types = list(WeaponType.objects.order_by("path"))
        labels = weapon_path_labels(types)
        return ListFilterOptions(
            weapons=tuple((escape(weapon.slug), escape(labels[weapon.path])) for weapon in types),
            incident_types=tuple(
                (escape(kind.code), escape(str(kind))) for kind in selectors.incident_type_vocabulary()
            ),
        )

    key = _list_filter_options_key(get_language())
    options = cache.get(key)
    if not isinstance(options, ListFilterOptions):
        options = read()
        cache.set(key, options, FILTER_OPTIONS_SECONDS)
    return options


def _list_filter_options_key(language: str | None) -> str:
    return f"incidents:list-filter-options:v3:{language}"


def forget_list_filter_options() -> None:
    """Empty the cached filter options in every language (after a change to a vocabulary)."""
    cache.delete_many([_list_filter_options_key(code) for code, _name in settings.LANGUAGES])


@dataclass(frozen=True)
class IncidentListRow:
    """What the list shows of one incident, written out (see incident_list_rows)."""

    id: UUID
    url: str
    title: str
    when: SafeString
    place_name: str
    admin1: str
    status: str
    status_label: str
    case_reference: str
    types: list[str]
    evidence_count: int


# The values a list row is written from (evidence_count is the selector's annotation).
_LIST_ROW_VALUES = (
    "id",
    "title",
    "start_at",
    "start_precision",
    "place_name",
    "admin1",
    "verification_status",
    "case__reference",
    "evidence_count",
)


def incident_list_rows(*, user: User | AnonymousUser, ids: Sequence[UUID]) -> list[IncidentListRow]:
    """The list's rows for these incidents (those the user may see), in the order of ``ids``. One query on
    PostgreSQL (the type codes are in the incident's row, type_codes.py), two on SQLite.

    Plain values, not model instances, and the types' names from the cached vocabulary: this runs for each row
    of every view of the list, where building models and related managers costs more than the rest of the row.
    """
    queryset = selectors.incidents_with_evidence_counts(user=user).filter(pk__in=ids).order_by()
    codes: dict[UUID, set[str]] = {}
    if type_codes.supported(queryset):
        rows = {row["id"]: row for row in queryset.values(*_LIST_ROW_VALUES, type_codes=type_codes.TypeCodes())}
        codes = {incident_id: set(row["type_codes"]) for incident_id, row in rows.items()}
    else:
        rows = {row["id"]: row for row in queryset.values(*_LIST_ROW_VALUES)}
        links = Incident.incident_types.through.objects.filter(incident_id__in=list(rows))
        for incident_id, code in links.values_list("incident_id", "incidenttype_id"):
            codes.setdefault(incident_id, set()).add(code)
    vocabulary = selectors.incident_type_vocabulary()
    types = {
        incident_id: [str(kind) for kind in vocabulary if kind.code in incident_codes]
        for incident_id, incident_codes in codes.items()
    }
    detail = reverse("incidents:detail", kwargs={"incident_id": _URL_PLACEHOLDER})
    return [
        IncidentListRow(
            id=row["id"],
            # One reverse() for the page: the detail URL differs between rows by the id only.
            url=detail.replace(str(_URL_PLACEHOLDER), str(row["id"])),
            title=row["title"],
            when=time_html(row["start_at"], row["start_precision"]),
            place_name=row["place_name"],
            admin1=row["admin1"],
            status=row["verification_status"],
            status_label=verification_label(row["verification_status"]),
            case_reference=row["case__reference"],
            types=types.get(row["id"], []),
            evidence_count=row["evidence_count"],
        )
        for row in (rows[pk] for pk in ids if pk in rows)
    ]


def incident_rows_html(rows: Sequence[IncidentListRow]) -> SafeString:
    """The list table's rows, escaped. Written here rather than by the template, as the rows' values are
    (incident_list_rows): 0.7 ms of CPU for a page of 25 rows here, 1.4 ms by the template engine."""
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}{}</td><td><span class="status status-{}">{}</span></td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row.url,
                row.title,
                row.when,
                row.place_name or "\u2014",
                format_html('<span class="muted">, {}</span>', row.admin1) if row.admin1 else "",
                row.status,
                row.status_label,
                row.case_reference,
                "; ".join(row.types) or "\u2014",
                row.evidence_count,
            )
            for row in rows
        ),
    )


_URL_PLACEHOLDER = uuid.UUID(int=0)


def incident_list_for_page(*, request: HttpRequest, base: QuerySet[Incident] | None = None) -> IncidentListResult:
    """The user's incidents narrowed by the API's filters (IncidentFilter), ?search= and ordered by ?sort=.

    ``base`` is what each matching incident comes with: by default nothing more than its row (the page reads
    only the matching ids, then its rows with incident_list_rows); the CSV download passes the annotated
    incident_list.
    An invalid filter value is reported on the filter form and that filter is not applied (the others are).
    """
    user = request.user
    if base is None:
        base = visible_incidents(user)
    filterset = IncidentFilter(request.GET or None, queryset=base, request=request)
    if filterset.is_bound and not filterset.is_valid():
        valid = request.GET.copy()  # a QueryDict: a repeated filter (incident_type) keeps all its values
        for name in filterset.form.errors:
            valid.pop(name, None)
        queryset = IncidentFilter(valid, queryset=base, request=request).qs
    else:
        queryset = filterset.qs
    search = request.GET.get("search", "").strip()
    queryset = full_text_search(queryset, query=search, fields=SEARCH_FIELDS)
    sort = parse_sort(request.GET.get("sort"))
    return IncidentListResult(
        filterset=filterset,
        queryset=_order(queryset, sort),
        search=search,
        sort=sort,
    )


# --- Weapon taxonomy ------------------------------------------------------------------------


@dataclass(frozen=True)
class WeaponOption:
    slug: str
    label: str  # the taxonomy path in the active language, its levels joined by PATH_SEPARATOR
    search: str  # names in both languages and every alias, normalised, for the form's search box


@dataclass
class WeaponFamily:
    name: str
    options: list[WeaponOption] = field(default_factory=list)


def weapon_path_labels(types: list[WeaponType]) -> dict[str, str]:
    """Each type's path in the taxonomy (family, system, munition), by its tree path, in the active language."""
    by_path = {weapon.path: weapon for weapon in types}
    labels = {}
    for weapon in types:
        steps = weapon.steplen
        names = [
            by_path[weapon.path[:end]].display_name
            for end in range(steps, len(weapon.path) + 1, steps)
            if weapon.path[:end] in by_path
        ]
        labels[weapon.path] = PATH_SEPARATOR.join(names)
    return labels


def weapon_taxonomy() -> list[WeaponFamily]:
    """The whole taxonomy grouped by family, each type with its path and search text (two queries)."""
    types = list(WeaponType.objects.order_by("path"))
    aliases: dict[int, list[str]] = {}
    for weapon_id, normalized in WeaponAlias.objects.values_list("weapon_type_id", "normalized"):
        aliases.setdefault(weapon_id, []).append(normalized)
    labels = weapon_path_labels(types)
    families: dict[str, WeaponFamily] = {}
    for weapon in types:
        family_path = weapon.path[: weapon.steplen]
        if family_path not in families:
            families[family_path] = WeaponFamily(name=labels.get(family_path, weapon.display_name))
        search = " ".join([normalize_term(weapon.name), normalize_term(weapon.name_uk), *aliases.get(weapon.pk, [])])
        families[family_path].options.append(WeaponOption(slug=weapon.slug, label=labels[weapon.path], search=search))
    return list(families.values())


def weapon_choices(families: list[WeaponFamily]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The taxonomy as grouped choices for a <select> (one optgroup per family)."""
    return [(family.name, [(option.slug, option.label) for option in family.options]) for family in families]


def weapon_search_data(families: list[WeaponFamily]) -> dict[str, str]:
    """slug -> search text, for json_script: the form's search box filters the options with it."""
    return {option.slug: option.search for family in families for option in family.options}


# --- Places ---------------------------------------------------------------------------------


@memoize
def _gazetteer() -> tuple[dict[str, Any], ...]:
    data = json.loads(GAZETTEER_PATH.read_text(encoding="utf-8"))
    return tuple(data["places"])


def known_places(*, user: User | AnonymousUser, case: Case) -> list[dict[str, Any]]:
    """Places the form's place-name search offers: those of the case's incidents, then the bundled gazetteer.

    Offline by design (no external geocoder). Each place: name, admin1-3, lat, lon, precision, and where it
    comes from ("case" or "gazetteer"). One query.
    """
    rows = (
        visible_incidents(user)
        .filter(case=case)
        .exclude(place_name="")
        .order_by("place_name", "-start_at")
        .values_list("place_name", "admin1", "admin2", "admin3", "latitude", "longitude", "location_precision")
    )[:MAX_CASE_PLACES]
    places: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name, admin1, admin2, admin3, latitude, longitude, precision in rows:
        key = normalize_term(name)
        if key in seen:
            continue
        seen.add(key)
        places.append(
            {
                "name": name,
                "admin1": admin1,
                "admin2": admin2,
                "admin3": admin3,
                "lat": str(latitude) if latitude is not None else "",
                "lon": str(longitude) if longitude is not None else "",
                "precision": precision,
                "from": "case",
            }
        )
    for place in _gazetteer():
        for name in (place["name"], place["name_uk"]):
            if normalize_term(name) in seen:
                continue
            seen.add(normalize_term(name))
            places.append(
                {
                    "name": name,
                    "admin1": place["admin1"],
                    "admin2": place["admin2"],
                    "admin3": place.get("admin3", ""),
                    "lat": str(place["lat"]),
                    "lon": str(place["lon"]),
                    "precision": "settlement",
                    "from": "gazetteer",
                }
            )
    return places


# --- One incident ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    label: str
    confidence: str
    basis: str


@dataclass(frozen=True)
class AllegationRow:
    allegation: Allegation
    weapons: list[ClaimRow]


@dataclass(frozen=True)
class FigureSeries:
    reporter: str
    figures: list[CasualtyFigure]


@dataclass
class IncidentPage:
    incident: Incident
    allegations: list[AllegationRow]
    sources: list[Source]
    series: list[FigureSeries]
    items: Sequence[EvidenceItem]
    history: list[IncidentVerificationChange]
    weapon_labels: dict[str, str]


def incident_page(*, user: User | AnonymousUser, incident: Incident) -> IncidentPage:
    """What the incident page shows, each list in one query: allegations (with sources and weapon claims),
    casualty figures by reporter, linked evidence the user may see (with thumbnails), the verification history.
    """
    allegations = list(
        allegation_list(user=user).filter(incident=incident).select_related("source").order_by("asserted_on", "id")
    )
    figures = list(
        casualty_figure_list(user=user)
        .filter(incident=incident)
        .select_related("source")
        .order_by("reporter", "as_of", "id")
    )
    thumbnails = Derivative.objects.filter(kind="thumbnail").order_by("-blurred", "id")
    items = list(
        visible_items(user)
        .filter(incident_links__incident=incident)
        .select_related("case")
        # What the gallery shows: an evidence item has some 80 columns, and building them all is most of the
        # cost of this list.
        .only("id", "case_id", "case__reference", "number", "kind", "review_status", "is_graphic")
        .prefetch_related(Prefetch("derivatives", queryset=thumbnails, to_attr="thumbnails"))
        .order_by("number")
    )
    weapon_labels = weapon_path_labels(list(WeaponType.objects.order_by("path"))) if allegations else {}
    rows = [
        AllegationRow(
            allegation=allegation,
            weapons=[
                ClaimRow(
                    label=weapon_labels.get(claim.weapon_type.path, claim.weapon_type.display_name),
                    confidence=claim.get_confidence_display(),
                    basis=claim.basis,
                )
                for claim in allegation.weapon_claims.all()
            ],
        )
        for allegation in allegations
    ]
    sources: dict[object, Source] = {}
    for allegation in allegations:
        sources.setdefault(allegation.source_id, allegation.source)
    for figure in figures:
        if figure.source is not None:
            sources.setdefault(figure.source_id, figure.source)
    series: list[FigureSeries] = []
    for figure in figures:
        if not series or series[-1].reporter != figure.reporter:
            series.append(FigureSeries(reporter=figure.reporter, figures=[]))
        series[-1].figures.append(figure)
    return IncidentPage(
        incident=incident,
        allegations=rows,
        sources=list(sources.values()),
        series=series,
        items=items,
        history=list(incident_verification_history(incident=incident)),
        weapon_labels=weapon_labels,
    )


def incident_sources_for_form(*, case: Case) -> QuerySet[Source]:
    """The case's sources an allegation or a figure may cite."""
    return Source.objects.filter(case=case).order_by("title", "id")


def incident_figures(*, incident: Incident) -> QuerySet[CasualtyFigure]:
    return CasualtyFigure.objects.filter(incident=incident).order_by("reporter", "as_of", "id")


def incident_allegations(*, incident: Incident) -> QuerySet[Allegation]:
    return (
        Allegation.objects.filter(incident=incident)
        .select_related("source")
        .prefetch_related(Prefetch("weapon_claims__weapon_type"))
        .order_by("asserted_on", "id")
    )
