"""Pages and endpoints that belong to no single concern."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.dashboards.selectors import case_rows_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's cases, with what they may see of each counted."""
    rows = case_rows_for_user(user=request.user)
    return render(request, "common/home.html", {"rows": rows, "cases": [row.case for row in rows]})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the process serves and the database answers. Reveals no data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
