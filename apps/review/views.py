"""Review pages: the queue, one item's review, and an incident's verification status. Thin: check access, parse,
call one service, render.

Need-to-know: an item or incident the user may not see answers 404, like one that does not exist; a member who
may see it but not review it gets 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.permissions import REVIEWING_ROLES, case_ids_with_roles
from apps.cases.permissions import case_is_open
from apps.evidence.permissions import visible_items
from apps.review.enums import Decision
from apps.review.forms import (
    IncidentVerificationForm,
    QueueFilterForm,
    ResubmitForm,
    ReviewDecisionForm,
)
from apps.review.permissions import (
    CASE_CLOSED_REFUSED,
    RESUBMIT_REFUSED,
    REVIEW_REFUSED,
    VERIFICATION_REFUSED,
    can_resubmit_item,
    can_review_item,
    can_set_verification_status,
    can_view_incident,
    case_closed_refusal,
    four_eyes_conflict,
)
from apps.review.selectors import (
    incident_for_user,
    incident_verification_history,
    review_cases_for_user,
    review_history,
    review_item_for_user,
    review_next_item,
    review_queue,
)
from apps.review.services import (
    FourEyesViolationError,
    ReviewNotAllowedError,
    decisions_from,
    evidence_review_decide,
    evidence_review_start_many,
    incident_verification_set,
)

if TYPE_CHECKING:
    from apps.evidence.models import EvidenceItem
    from apps.incidents.models import Incident

QUEUE_PAGE_SIZE = 25


@require_safe
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Items waiting for review in the user's review cases, filtered and paginated."""
    cases = review_cases_for_user(user=request.user)
    form = QueueFilterForm(request.GET or None, cases=cases)
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its error and not applied
    page = Paginator(review_queue(user=request.user, filters=form.filters()), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    # From the roles already loaded: a reviewer whose cases are all closed is still told why the queue is empty.
    reviews_somewhere = bool(case_ids_with_roles(request.user, REVIEWING_ROLES))
    return render(
        request,
        "review/queue.html",
        {"form": form, "page": page, "query": query.urlencode(), "has_review_cases": reviews_somewhere},
    )


@require_POST
@login_required
def bulk_start(request: HttpRequest) -> HttpResponse:
    """Start the review of the selected submitted items; each one is checked and recorded on its own.

    Values that name no item the user may see are ignored (they cannot name anything to start).
    """
    selected = visible_items(request.user).filter(pk__in=_uuids(request.POST.getlist("items")))
    items = list(selected.select_related("case").order_by("created_at", "id"))
    if not items:
        messages.error(request, _("Select at least one submitted item of your review cases."))
        return redirect("review:queue")
    result = evidence_review_start_many(items=items, user=request.user)  # type: ignore[arg-type]
    if result.started:
        messages.success(
            request,
            ngettext(
                "Review started for %(count)d item: %(references)s.",
                "Review started for %(count)d items: %(references)s.",
                len(result.started),
            )
            % {"count": len(result.started), "references": ", ".join(item.reference for item in result.started)},
        )
    for item, reason in result.refused:
        messages.error(request, _("%(reference)s: %(reason)s") % {"reference": item.reference, "reason": reason})
    return redirect("review:queue")


def _uuids(values: list[str]) -> list[str]:
    """The values that are UUIDs (anything else cannot name an item, and must not reach the database as one)."""
    valid = []
    for value in values:
        try:
            valid.append(str(UUID(value)))
        except ValueError:
            continue
    return valid


def _reviewable_item(request: HttpRequest, item_id: UUID) -> EvidenceItem:
    item = review_item_for_user(user=request.user, item_id=item_id)
    if item is None:
        raise Http404
    if not can_review_item(request.user, item):
        raise PermissionDenied(str(REVIEW_REFUSED))
    return item


def _item_context(request: HttpRequest, item: EvidenceItem, form: ReviewDecisionForm) -> dict[str, Any]:
    conflict = four_eyes_conflict(request.user, item)
    # The page still shows the item and its history in a closed case; it offers no step (read-only).
    closed = case_closed_refusal(item.case)
    return {
        "item": item,
        "form": form,
        "four_eyes": conflict,
        "case_closed": closed,
        "decisions": [] if conflict or closed else decisions_from(item.review_status),
        "history": list(review_history(item=item)),
        "next_item": review_next_item(user=request.user, after=item),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def item_review(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """One item's key facts, the checklist and the decision buttons, and its review history."""
    item = _reviewable_item(request, item_id)
    if request.method != "POST":
        return render(request, "review/item.html", _item_context(request, item, ReviewDecisionForm()))
    if not case_is_open(item.case):
        return render(request, "review/item.html", _item_context(request, item, ReviewDecisionForm()), status=403)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "review/item.html", _item_context(request, item, form), status=400)
    try:
        recorded = evidence_review_decide(
            item=item,
            user=request.user,  # type: ignore[arg-type]
            decision=Decision(form.cleaned_data["decision"]),
            reason=form.cleaned_data["reason"],
            question=form.cleaned_data["question"],
            checklist=form.checklist(),
        )
    except (FourEyesViolationError, ReviewNotAllowedError) as error:  # the latter: the case is closed
        form.add_error(None, str(error))
        return render(request, "review/item.html", _item_context(request, item, form), status=403)
    except ValidationError as error:
        form.add_service_errors(error.message_dict)
        return render(request, "review/item.html", _item_context(request, item, form), status=400)
    messages.success(
        request,
        _("%(reference)s: %(decision)s.") % {"reference": item.reference, "decision": recorded.get_decision_display()},
    )
    return redirect("review:item", item_id=item.pk)


@require_POST
@login_required
def resubmit(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The investigator answers the reviewer's question; the item goes back to the queue as submitted."""
    item = review_item_for_user(user=request.user, item_id=item_id)
    if item is None:
        raise Http404
    if not case_is_open(item.case):
        raise PermissionDenied(str(CASE_CLOSED_REFUSED))
    if not can_resubmit_item(request.user, item):
        raise PermissionDenied(str(RESUBMIT_REFUSED))
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            evidence_review_decide(
                item=item,
                user=request.user,  # type: ignore[arg-type]
                decision=Decision.RESUBMIT,
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your answer was recorded and the item is back in the review queue."))
    else:
        messages.error(request, _("Write your answer before resubmitting."))
    return redirect("evidence:item_detail", item_id=item.pk)


def _verifiable_incident(request: HttpRequest, incident_id: UUID) -> Incident:
    incident = incident_for_user(user=request.user, incident_id=incident_id)
    if incident is None or not can_view_incident(request.user, incident):
        raise Http404
    if not can_set_verification_status(request.user, incident):
        raise PermissionDenied(str(VERIFICATION_REFUSED))
    return incident


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def incident_verification(request: HttpRequest, incident_id: UUID) -> HttpResponse:
    """An incident's verification status: change it with a reason; the history of changes."""
    incident = _verifiable_incident(request, incident_id)
    form = IncidentVerificationForm(request.POST or None, initial={"status": incident.verification_status})
    # A closed case is read-only: the page shows the status and its history, and says why it offers no change.
    closed = case_closed_refusal(incident.case)
    status = 200
    if request.method == "POST" and closed is not None:
        status = 403
    elif request.method == "POST":
        if form.is_valid():
            try:
                incident_verification_set(
                    incident=incident,
                    user=request.user,  # type: ignore[arg-type]
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_service_errors(error.message_dict)
            else:
                messages.success(request, _("Verification status changed."))
                return redirect("review:incident_verification", incident_id=incident.pk)
        status = 400
    context = {
        "incident": incident,
        "form": form,
        "case_closed": closed,
        "history": list(incident_verification_history(incident=incident)),
    }
    return render(request, "review/incident_verification.html", context, status=status)
