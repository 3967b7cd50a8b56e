"""Comment threads and the notification list. Thin: find what the user may see, call a service, answer.

Need-to-know: an item or incident the user may not see answers 404 exactly
like one that does not exist; an observer who may see it but not comment
gets 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.comments.forms import CommentForm
from apps.comments.permissions import can_comment, can_read_comments
from apps.comments.selectors import (
    incident_for_user,
    notification_for_user,
    notifications_for_user,
)
from apps.comments.services import (
    comment_link,
    comment_post,
    notification_mark_read,
    notifications_mark_all_read,
    site_url,
)
from apps.evidence.models import EvidenceItem
from apps.evidence.selectors import viewable_item_or_404

if TYPE_CHECKING:
    from uuid import UUID

    from apps.accounts.models import User
    from apps.comments.permissions import CommentTarget
    from apps.incidents.models import Incident

NOTIFICATIONS_PER_PAGE = 25


def _viewable_incident(request: HttpRequest, incident_id: UUID) -> Incident:
    incident = incident_for_user(user=request.user, incident_id=incident_id)
    if incident is None or not can_read_comments(request.user, incident):
        raise Http404
    return incident


def _post(request: HttpRequest, target: CommentTarget, form: CommentForm) -> HttpResponse | None:
    """Post the form's comment and redirect to it; None when the form or the service refused it."""
    if not form.is_valid():
        return None
    user: User = request.user  # type: ignore[assignment]
    item, incident = (target, None) if isinstance(target, EvidenceItem) else (None, target)
    try:
        comment = comment_post(
            author=user, body=form.cleaned_data["body"], item=item, incident=incident, site_url=site_url(request)
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    return redirect(comment_link(comment))


@require_POST
@login_required
def item_comment_post(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Post a comment on an item; back to the item page, at the new comment.

    A refused comment is shown again on a page of its own (the item page
    belongs to the evidence app), with the text kept and the error next to it.
    """
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    if not can_comment(request.user, item):
        raise PermissionDenied
    form = CommentForm(request.POST)
    response = _post(request, item, form)
    if response is not None:
        return response
    return render(request, "comments/item_comment_refused.html", {"item": item, "form": form}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def incident_comments(request: HttpRequest, incident_id: UUID) -> HttpResponse:
    """An incident's discussion: its thread and the comment box (until the incident page exists)."""
    incident = _viewable_incident(request, incident_id)
    form = CommentForm()
    status = 200
    if request.method == "POST":
        if not can_comment(request.user, incident):
            raise PermissionDenied
        form = CommentForm(request.POST)
        response = _post(request, incident, form)
        if response is not None:
            return response
        status = 400
    return render(request, "comments/incident_comments.html", {"incident": incident, "form": form}, status=status)


@require_safe
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, unread ones highlighted."""
    paginator = Paginator(notifications_for_user(user=request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {"page": page, "has_unread": any(n.is_unread for n in page.object_list)}
    return render(request, "comments/notifications.html", context)


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """Mark one notification read, then open what it points at ("open" in the form) or go back to the list."""
    notification = notification_for_user(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    notification_mark_read(user=user, notification=notification)
    if "open" in request.POST and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("comments:notifications")


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notifications_mark_all_read(user=user)
    return redirect("comments:notifications")
