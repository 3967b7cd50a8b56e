"""The case dashboard. Thin: resolve the case for a member, read the aggregates, draw the charts, render.

Need-to-know: a case the visitor is not a member of answers 404.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.models import User
from apps.accounts.permissions import can_manage_case
from apps.cases.selectors import case_for_member
from apps.common.context_processors import map_settings
from apps.dashboards.charts import dashboard_charts
from apps.dashboards.selectors import CACHE_SECONDS, case_dashboard, case_dashboard_cache_key
from apps.dashboards.services import FixityRunningError, fixity_case_start, fixity_progress

if TYPE_CHECKING:
    from uuid import UUID

    from apps.cases.models import Case


# How long after CACHE_SECONDS a drawing may still be shown while another request draws the next one.
REUSE_STALE_SECONDS = 600
# A request drawing the dashboard is trusted to finish within this; past it, another request draws instead.
REDRAW_TIMEOUT_SECONDS = 60


def _member_case(request: HttpRequest, case_id: UUID) -> Case:
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def drawn_dashboard(request: HttpRequest, case: Case) -> str:
    """The counted part of the dashboard (templates/dashboards/_counts.html), drawn or reused.

    Counting a large case scans all its incidents and items (about half a second for 100,000 incidents), so a
    drawing is reused for CACHE_SECONDS, per case and what else it depends on (case_dashboard_cache_key). When
    it is older, the first request to notice draws it again while the others go on showing the previous drawing
    (kept REUSE_STALE_SECONDS longer): a busy case is never counted by every worker at once. A recount asked for
    (case_dashboard_forget) changes the key, so no earlier drawing is shown after it.
    """
    key = case_dashboard_cache_key(user=request.user, case=case)
    drawing = cache.get(key)
    now = time.time()
    if drawing is not None and now - drawing["drawn_at"] < CACHE_SECONDS:
        return str(drawing["html"])
    lock = f"{key}:drawing"
    if drawing is not None and not cache.add(lock, 1, REDRAW_TIMEOUT_SECONDS):
        return str(drawing["html"])  # another request is drawing it now
    try:
        data = case_dashboard(user=request.user, case=case)
        # Without the request: the page's own context processors (the integrity banner's count...) ran already.
        context = {"dashboard": data, "charts": dashboard_charts(data), **map_settings(request)}
        html = render_to_string("dashboards/_counts.html", context)
        cache.set(key, {"html": html, "drawn_at": now}, CACHE_SECONDS + REUSE_STALE_SECONDS)
    finally:
        if drawing is not None:
            cache.delete(lock)
    return html


@require_safe
@login_required
def dashboard(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _member_case(request, case_id)
    can_manage = can_manage_case(request.user, case)
    context = {
        "case": case,
        "counts": mark_safe(drawn_dashboard(request, case)),  # noqa: S308  (our own template's output)
        "can_manage": can_manage,
        "fixity": fixity_progress(case=case) if can_manage else None,
    }
    return render(request, "dashboards/dashboard.html", context)


def _lead_case(request: HttpRequest, case_id: UUID) -> Case:
    """The case for one of its leads: 404 for non-members, 403 with the reason for other members."""
    case = _member_case(request, case_id)
    if not can_manage_case(request.user, case):
        raise PermissionDenied(_("Only the case's leads can run a fixity check of the whole case."))
    return case


@require_POST
@login_required
def fixity_start(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _lead_case(request, case_id)
    assert isinstance(request.user, User)  # noqa: S101  (login_required ran)
    try:
        fixity_case_start(case=case, started_by=request.user)
    except FixityRunningError:
        messages.info(request, _("A fixity check of this case is already running; its progress is shown below."))
    else:
        messages.success(request, _("The fixity check has started. You will be notified when it is finished."))
    return redirect(reverse("dashboards:case_dashboard", kwargs={"case_id": case.pk}) + "#fixity")


@never_cache
@require_safe
@login_required
def fixity_progress_json(request: HttpRequest, case_id: UUID) -> JsonResponse:
    """The run's progress for the dashboard's bar (static/dashboards/fixity.js stops polling once finished)."""
    case = _lead_case(request, case_id)
    progress = fixity_progress(case=case)
    if progress is None:
        idle = {"run_id": "", "total": 0, "done": 0, "failed": 0, "percent": 0, "finished": True}
        return JsonResponse({**idle, "status_display": _("No fixity check has run recently.")})
    return JsonResponse(progress.payload())
