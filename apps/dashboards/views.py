"""The case dashboard. Thin: resolve the case for a member, read the aggregates, draw the charts, render.

Need-to-know: a case the visitor is not a member of answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.models import User
from apps.accounts.permissions import can_manage_case
from apps.cases.selectors import case_for_member
from apps.dashboards.charts import dashboard_charts
from apps.dashboards.selectors import CACHE_SECONDS, case_dashboard, case_dashboard_cache_key
from apps.dashboards.services import FixityRunningError, fixity_case_start, fixity_progress

if TYPE_CHECKING:
    from uuid import UUID

    from apps.cases.models import Case


def _member_case(request: HttpRequest, case_id: UUID) -> Case:
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


@require_safe
@login_required
def dashboard(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _member_case(request, case_id)
    user = request.user
    # Counted and drawn only when the page's cached drawing (the template's {% cache %} block) is missing.
    data = SimpleLazyObject(lambda: case_dashboard(user=user, case=case))
    can_manage = can_manage_case(request.user, case)
    context = {
        "case": case,
        "dashboard": data,
        "charts": SimpleLazyObject(lambda: dashboard_charts(data)),  # type: ignore[arg-type]
        "cache_key": case_dashboard_cache_key(user=user, case=case),
        "cache_seconds": CACHE_SECONDS,
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
