"""Incident pages: the list (filters, search, sorting, CSV), one incident, and the create and edit form.

Thin: find what the user may see, check the right, call the selectors and services, render. Need-to-know: an
incident or case outside the user's cases answers 404, like one that does not exist; a member whose role may
not add or change records, or whose case is closed, gets 403 with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from math import ceil
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.models import User
from apps.accounts.permissions import (
    CONTRIBUTING_ROLES,
    can_see_witness_identity,
    case_ids_with_roles,
    case_role,
    member_case_ids,
)
from apps.cases.enums import CaseStatus
from apps.cases.models import Case
from apps.cases.permissions import case_is_open
from apps.cases.selectors import case_for_member
from apps.cases.serializers import contribution_refusal
from apps.incidents import selectors
from apps.incidents.csv_export import incident_csv_lines
from apps.incidents.enums import VerificationStatus
from apps.incidents.forms import (
    AllegationFormSet,
    CasualtyFigureFormSet,
    CreateIncidentForm,
    IncidentForm,
    SourceFormSet,
    source_choices,
)
from apps.incidents.page_data import (
    LIST_FILTER_NAMES,
    SORTS,
    incident_allegations,
    incident_figures,
    incident_list_for_page,
    incident_list_rows,
    incident_page,
    incident_rows_html,
    incident_sources_for_form,
    known_places,
    list_filter_options,
    weapon_choices,
    weapon_search_data,
    weapon_taxonomy,
)
from apps.incidents.permissions import can_edit_incident, can_set_verification_status
from apps.incidents.submissions import (
    PENDING_WAIT_SECONDS,
    IncidentForms,
    create_token_claim,
    create_token_incident,
    create_token_record,
    create_token_release,
    incident_forms_save,
)

if TYPE_CHECKING:
    from uuid import UUID

    from apps.incidents.models import Allegation, CasualtyFigure, Incident

PAGE_SIZE = 25
# The list counts its incidents only this far past the first row of the page asked for: counting a whole large
# case costs more than the page itself. Past it the page says "more than" (a multiple of PAGE_SIZE).
COUNT_AHEAD = 1000
MAX_PAGE_NUMBER = 1_000_000  # a larger ?page= counts as far as this one (the SQL LIMIT stays a bigint)
_DRAFT_CLEAR_SESSION_KEY = "custos_incident_draft_clear"


class CountAheadPaginator(Paginator):  # type: ignore[type-arg]  # Paginator[...] fails at run time
    """Pages of a queryset whose count stops ``count_ahead`` rows past the start of the requested page.

    ``count`` is then exact, or (``more`` true) that limit with more rows beyond it; ``num_pages`` counts the
    pages up to the first one past the limit, so the requested page and the next one are always reachable.

    Two queries. The first returns the requested page's ids, each row carrying how many rows match as far as
    that limit (limit + 1 of them: a window count over the capped, ordered matches). So the count and the page
    come from one scan: a full-text search or a filter through relations is evaluated once, not once to count
    and again to page; and only the page's 25 ids travel, not up to a thousand (or, for a deep page, every
    id before it). Then ``rows`` reads what the page shows of those ids, in their order: the counts
    the list shows are computed for those 25 rows only, and the filters are not evaluated again. A page past
    the end has no row to carry the count: it is counted apart, and the last page read (one or two queries
    more, only then).
    """

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        number: object,
        count_ahead: int,
        rows: Callable[[list[Any]], Sequence[Any]],
    ) -> None:
        super().__init__(object_list, per_page)
        if count_ahead < per_page:
            raise ValueError("count_ahead must reach past the requested page")
        # The page is ordered again by these columns, named: the list orders by field names (and the id last).
        self.ordering = [name for name in object_list.query.order_by if isinstance(name, str)]
        if not self.ordering or len(self.ordering) != len(object_list.query.order_by):
            raise ValueError("CountAheadPaginator needs a queryset ordered by field names")
        try:
            self.requested = min(max(int(str(number)), 1), MAX_PAGE_NUMBER)
        except ValueError:
            self.requested = 1  # get_page shows the first page
        self.limit = (self.requested - 1) * per_page + count_ahead
        self.rows = rows

    def _page_ids(self, number: int) -> tuple[list[Any], int | None]:
        """The ids on page ``number`` and the capped count of matches (None when the page has no rows)."""
        queryset = self.object_list
        assert isinstance(queryset, QuerySet)  # noqa: S101  (the list's queryset)
        capped = queryset.values_list("pk", *(name.removeprefix("-") for name in self.ordering))[: self.limit + 1]
        try:
            sql, params = capped.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # a condition nothing can meet (a user in no case): no query at all
            return [], 0
        # Ordered again by the same columns (by position: 1 is the id), as a subquery's order is not kept.
        order = ", ".join(
            f"{position} {'DESC' if name.startswith('-') else 'ASC'}" for position, name in enumerate(self.ordering, 2)
        )
        offset = (number - 1) * self.per_page
        size = max(min(self.per_page, self.limit - offset), 0)  # never the row past the limit (it only says "more")
        connection = connections[queryset.db]
        # MATERIALIZED (PostgreSQL): the capped matches are planned on their own, for all of their rows. Inlined,
        # PostgreSQL 15 takes the outer LIMIT as needing a page's worth of them (it costs the window's first row
        # as if the count did not need every row before it) and may walk the start-time index testing each row
        # against the search: 370 ms instead of 12 for a common word in one oblast (bench/pages.py's data).
        materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH capped AS {materialized}({sql}) "  # noqa: S608 (the ORM's SQL; values are parameters)
                f"SELECT capped.*, COUNT(*) OVER () FROM capped ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, size, offset],
            )
            found = cursor.fetchall()
        to_python = queryset.model._meta.pk.to_python  # the raw row's id as the ORM gives it (a UUID on SQLite too)
        return [to_python(row[0]) for row in found], (found[0][-1] if found else None)

    @cached_property
    def _requested_page(self) -> tuple[list[Any], int | None]:
        return self._page_ids(self.requested)

    @cached_property
    def _matches(self) -> int:
        """How many rows match, as far as limit + 1."""
        counted = self._requested_page[1]
        if counted is None:  # the requested page is past the end (or the list is empty)
            queryset = self.object_list
            assert isinstance(queryset, QuerySet)  # noqa: S101
            counted = queryset.values("pk")[: self.limit + 1].count()
        return int(counted)

    @cached_property
    def more(self) -> bool:
        return self._matches > self.limit

    @cached_property
    def count(self) -> int:
        return min(self._matches, self.limit)

    @cached_property
    def num_pages(self) -> int:
        return ceil(self._matches / self.per_page) if self._matches else 1

    def page(self, number: int | float | str) -> Page:  # type: ignore[type-arg]  # Page[...] fails at run time
        valid = self.validate_number(number)
        ids = self._requested_page[0] if valid == self.requested else self._page_ids(valid)[0]
        return Page(self.rows(ids), valid, self)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (login_required ran)
    return request.user


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- List and CSV -----------------------------------------------------------------------------


@require_safe
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents of the user's cases: the API's filters, full-text search, sortable columns, pages."""
    result = incident_list_for_page(request=request)
    number = request.GET.get("page")
    page = CountAheadPaginator(
        result.queryset,
        PAGE_SIZE,
        number=number,
        count_ahead=COUNT_AHEAD,
        rows=lambda ids: incident_list_rows(user=request.user, ids=ids),
    ).get_page(number)
    sort_key = result.sort.removeprefix("-")
    columns = [
        {
            "key": key,
            "label": label,
            "next": key if result.sort != key else f"-{key}",
            "aria_sort": ("descending" if result.sort.startswith("-") else "ascending") if key == sort_key else "",
        }
        for key, label in (("title", _("Title")), ("start", _("Start")), ("place", _("Place")), ("status", _("Status")))
        if key in SORTS
    ]
    form = result.filterset.form
    options = list_filter_options()
    cases = list(Case.objects.filter(pk__in=member_case_ids(request.user)).order_by("reference"))
    context = {
        "filterset": result.filterset,
        "form": form,
        "errors": form.errors if result.filterset.is_bound else {},
        "values": {name: request.GET.get(name, "") for name in LIST_FILTER_NAMES},
        "page": page,
        "rows_html": incident_rows_html(list(page.object_list)),
        "search": result.search,
        "sort": result.sort,
        "columns": columns,
        "cases": cases,
        "can_create": any(
            case.status == CaseStatus.OPEN and case_role(request.user, case) in CONTRIBUTING_ROLES for case in cases
        ),
        "weapon_options": options.weapon_options_html(request.GET.get("weapon", "")),
        "type_checkboxes": options.incident_type_checkboxes_html(request.GET.getlist("incident_type")),
        "status_options": [("", _("Any")), *VerificationStatus.choices],
        "evidence_options": [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))],
        "page_query": _query_without(request, "page"),
        "sort_query": _query_without(request, "page", "sort"),
        "csv_query": _query_without(request, "page"),
    }
    return render(request, "incidents/list.html", context)


@require_safe
@login_required
def incident_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every incident the list's filters and search match, as CSV (streamed; no pages)."""
    result = incident_list_for_page(
        request=request, base=selectors.incident_list(user=request.user).select_related("case")
    )
    response = StreamingHttpResponse(incident_csv_lines(result.queryset), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- One incident -----------------------------------------------------------------------------


def _visible_incident(request: HttpRequest, incident_id: UUID) -> Incident:
    incident = selectors.incident_with_labels(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404
    return incident


@require_safe
@login_required
def incident_detail(request: HttpRequest, incident_id: UUID) -> HttpResponse:
    """Narrative, map, sources, allegations, casualty series, media, verification status and its history."""
    incident = _visible_incident(request, incident_id)
    data = incident_page(user=request.user, incident=incident)
    point = []
    if incident.latitude is not None and incident.longitude is not None:
        point = [{"lat": float(incident.latitude), "lon": float(incident.longitude), "label": incident.title}]
    context = {
        "incident": incident,
        "page": data,
        "points": point,
        "show_witness_identity": can_see_witness_identity(request.user, incident.case),
        "can_edit": can_edit_incident(request.user, incident) and case_is_open(incident.case),
        "can_verify": can_set_verification_status(request.user, incident) and case_is_open(incident.case),
        "draft_clear": request.session.pop(_DRAFT_CLEAR_SESSION_KEY, ""),
    }
    return render(request, "incidents/detail.html", context)


# --- Create and edit --------------------------------------------------------------------------


def _draft_key(case: Case, incident: Incident | None) -> str:
    return f"custos-incident-draft:{case.pk}:{incident.pk if incident else 'new'}"


def _build_forms(
    request: HttpRequest,
    *,
    case: Case,
    incident: Incident | None,
    case_sources: list[Any],
    allegations: list[Allegation],
    figures: list[CasualtyFigure],
    weapons: list[tuple[str, list[tuple[str, str]]]],
) -> IncidentForms:
    data = request.POST if request.method == "POST" else None
    show_witness = can_see_witness_identity(request.user, case)
    sources = SourceFormSet(data, prefix="sources", form_kwargs={"show_witness_identity": show_witness})
    new_rows = sources.total_form_count()
    choices = source_choices(case_sources, new_rows)
    allegation_initial = [
        {
            "id": allegation.pk,
            "source": str(allegation.source_id),
            "claimant": allegation.claimant,
            "asserted_on": allegation.asserted_on,
            "summary": allegation.summary,
            "quote": allegation.quote,
            "weapons": [claim.weapon_type.slug for claim in allegation.weapon_claims.all()],
            "confidence": _common_confidence(allegation),
            "basis": _common_basis(allegation),
        }
        for allegation in allegations
    ]
    allegation_rows = AllegationFormSet(
        data, prefix="allegations", initial=allegation_initial, form_kwargs={"sources": choices, "weapons": weapons}
    )
    figure_rows = CasualtyFigureFormSet(data, prefix="figures", form_kwargs={"sources": choices, "figures": figures})
    if incident is None:
        main: IncidentForm = CreateIncidentForm(data, initial={"idempotency_token": uuid.uuid4()})
    else:
        main = IncidentForm(data, initial=IncidentForm.initial_for(incident))
    return IncidentForms(incident=main, sources=sources, allegations=allegation_rows, figures=figure_rows)


def _common_confidence(allegation: Allegation) -> str:
    values = {claim.confidence for claim in allegation.weapon_claims.all()}
    return values.pop() if len(values) == 1 else ""


def _common_basis(allegation: Allegation) -> str:
    values = {claim.basis for claim in allegation.weapon_claims.all()}
    return values.pop() if len(values) == 1 else ""


def _form_page(
    request: HttpRequest,
    *,
    case: Case,
    incident: Incident | None,
    forms_: IncidentForms,
    families: list[Any],
    figures: list[CasualtyFigure],
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "incident": incident,
        "forms": forms_,
        "form": forms_.incident,
        "families": families,
        "weapon_search": weapon_search_data(families),
        "places": known_places(user=request.user, case=case),
        "figures": figures,
        "draft_key": _draft_key(case, incident),
        "show_witness_identity": can_see_witness_identity(request.user, case),
        "has_errors": request.method == "POST",
        "empty_allegation": forms_.allegations.empty_form,
        "empty_source": forms_.sources.empty_form,
        "empty_figure": forms_.figures.empty_form,
    }
    return render(request, "incidents/form.html", context, status=status)


def _require_contribution(request: HttpRequest, case: Case) -> None:
    refusal = contribution_refusal(request.user, case)
    if refusal is not None:
        raise PermissionDenied(refusal)


def _edit(request: HttpRequest, *, case: Case, incident: Incident | None) -> HttpResponse:
    user = _user(request)
    case_sources = list(incident_sources_for_form(case=case))
    allegations = list(incident_allegations(incident=incident)) if incident else []
    figures = list(incident_figures(incident=incident)) if incident else []
    families = weapon_taxonomy()
    forms_ = _build_forms(
        request,
        case=case,
        incident=incident,
        case_sources=case_sources,
        allegations=allegations,
        figures=figures,
        weapons=weapon_choices(families),
    )

    def page(status: int = 200) -> HttpResponse:
        return _form_page(
            request, case=case, incident=incident, forms_=forms_, families=families, figures=figures, status=status
        )

    if request.method != "POST":
        return page()
    token = None
    if incident is None:
        token = _token(request)
        if token is not None:
            done = create_token_incident(user=user, token=token)
            if done is not None:
                return redirect("incidents:detail", incident_id=done)
            if not create_token_claim(user=user, token=token):
                done = create_token_incident(user=user, token=token, wait=PENDING_WAIT_SECONDS)
                if done is not None:
                    return redirect("incidents:detail", incident_id=done)
                messages.error(request, _("This form is already being saved. Reload the list in a moment."))
                return page(status=409)
    saved = None
    if forms_.is_valid():
        saved = incident_forms_save(
            forms_=forms_,
            case=case,
            user=user,
            incident=incident,
            case_sources=case_sources,
            allegations=allegations,
            figures=figures,
        )
    if saved is None:
        if token is not None:
            create_token_release(user=user, token=token)
        return page(status=400)
    if token is not None:
        create_token_record(user=user, token=token, incident=saved)
    request.session[_DRAFT_CLEAR_SESSION_KEY] = _draft_key(case, incident)
    messages.success(request, _("The incident was saved.") if incident else _("The incident was recorded."))
    return redirect("incidents:detail", incident_id=saved.pk)


def _token(request: HttpRequest) -> UUID | None:
    try:
        return uuid.UUID(request.POST.get("idempotency_token", ""))
    except ValueError:
        return None  # the form reports the missing token next to the submit button


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def incident_create(request: HttpRequest) -> HttpResponse:
    """Record an incident in ?case= (investigators and leads of an open case)."""
    try:
        case_id = uuid.UUID(request.GET.get("case", ""))
    except ValueError:
        case_id = None
    if case_id is None:
        cases = Case.objects.filter(
            pk__in=case_ids_with_roles(request.user, CONTRIBUTING_ROLES), status=CaseStatus.OPEN
        )
        return render(request, "incidents/choose_case.html", {"cases": cases.order_by("reference")})
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    _require_contribution(request, case)
    return _edit(request, case=case, incident=None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def incident_edit(request: HttpRequest, incident_id: UUID) -> HttpResponse:
    """Change an incident, add sources, allegations and casualty figures (investigators and leads, open case)."""
    incident = _visible_incident(request, incident_id)
    _require_contribution(request, incident.case)
    return _edit(request, case=incident.case, incident=incident)
