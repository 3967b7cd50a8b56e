"""The case dashboard. Thin: resolve the case for a member, read the aggregates, draw the charts, render.

Need-to-know: a case the visitor is not a member of answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.accounts.permissions import can_manage_case
from apps.cases.selectors import case_for_member
from apps.dashboards.charts import dashboard_charts
from apps.dashboards.selectors import MAP_POINT_LIMIT, case_dashboard

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
    data = case_dashboard(user=request.user, case=case)
    context = {
        "case": case,
        "dashboard": data,
        "charts": dashboard_charts(data),
        "map_point_limit": MAP_POINT_LIMIT,
        "can_manage": can_manage_case(request.user, case),
    }
    return render(request, "dashboards/dashboard.html", context)
