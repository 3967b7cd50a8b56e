"""Case pages: the overview, member management (leads) and accepting an invitation. Thin: check, call a service, render.

Need-to-know: a case the visitor is not a member of answers 404, whatever the
page; a member without the lead role gets 403 with a message on the
management pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.accounts.permissions import can_contribute, case_role
from apps.cases.enums import InvitationState
from apps.cases.forms import InvitationForm, InvitationSignupForm, MemberRemoveForm, MemberRoleForm
from apps.cases.models import Case, Invitation
from apps.cases.permissions import can_close_case, can_manage_members, can_reopen_case, case_is_open
from apps.cases.selectors import (
    case_counts_for_user,
    case_for_member,
    case_members,
    invitation_for_token,
    invitations_pending,
)
from apps.cases.services import (
    InvitationUnavailableError,
    case_close,
    case_reopen,
    invitation_accept,
    invitation_accept_with_signup,
    invitation_create,
    invitation_revoke,
    member_remove,
    member_role_change,
)

if TYPE_CHECKING:
    from uuid import UUID

LeadView = Callable[[HttpRequest, Case], HttpResponse]


def _member_case(request: HttpRequest, case_id: UUID) -> Case:
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def _lead_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the case for a lead: 404 for non-members, 403 with a message for members who are not leads."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, case_id: UUID, **kwargs: Any) -> HttpResponse:
        case = _member_case(request, case_id)
        if not can_manage_members(request.user, case):
            return render(request, "cases/forbidden.html", {"case": case}, status=403)
        return view(request, case, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (login_required ran)
    return request.user


@require_safe
@login_required
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _member_case(request, case_id)
    context = {
        "case": case,
        "role": case_role(request.user, case),
        "counts": case_counts_for_user(user=request.user, case=case),
        "is_open": case_is_open(case),
        "can_upload": can_contribute(request.user, case) and case_is_open(case),
        "can_manage": can_manage_members(request.user, case),
    }
    return render(request, "cases/detail.html", context)


def _members_page(
    request: HttpRequest,
    case: Case,
    *,
    invite_form: InvitationForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    memberships = list(case_members(case=case))
    lead_count = sum(1 for membership in memberships if membership.role == CaseRole.LEAD)
    context = {
        "case": case,
        "memberships": memberships,
        "lead_count": lead_count,
        "invitations": list(invitations_pending(case=case)),
        "invite_form": invite_form or InvitationForm(),
        "roles": CaseRole.choices,
        "can_close": can_close_case(request.user, case),
        "can_reopen": can_reopen_case(request.user, case),
        "error": error,
    }
    return render(request, "cases/members.html", context, status=status)


@require_safe
@_lead_only
def members(request: HttpRequest, case: Case) -> HttpResponse:
    return _members_page(request, case)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _membership(case: Case, member_id: int) -> CaseMembership | None:
    return CaseMembership.objects.filter(case=case, pk=member_id).first()


@require_POST
@_lead_only
def member_role(request: HttpRequest, case: Case) -> HttpResponse:
    form = MemberRoleForm(request.POST)
    membership = _membership(case, form.cleaned_data["member"]) if form.is_valid() else None
    if membership is None:
        return _members_page(request, case, error=_("Choose a member of this case and a valid role."), status=400)
    try:
        member_role_change(
            case=case,
            membership=membership,
            role=CaseRole(form.cleaned_data["role"]),
            changed_by=_user(request),
            request=request,
        )
    except ValidationError as error:
        return _members_page(request, case, error=_error_text(error), status=400)
    messages.success(
        request,
        _("%(member)s is now %(role)s.")
        % {"member": membership.user, "role": CaseRole(form.cleaned_data["role"]).label.lower()},
    )
    return redirect("cases:members", case_id=case.pk)


@require_POST
@_lead_only
def member_remove_view(request: HttpRequest, case: Case) -> HttpResponse:
    form = MemberRemoveForm(request.POST)
    membership = _membership(case, form.cleaned_data["member"]) if form.is_valid() else None
    if membership is None:
        return _members_page(request, case, error=_("Choose a member of this case."), status=400)
    try:
        member_remove(case=case, membership=membership, removed_by=_user(request), request=request)
    except ValidationError as error:
        return _members_page(request, case, error=_error_text(error), status=400)
    messages.success(request, _("%(member)s is no longer a member of this case.") % {"member": membership.user})
    if membership.user_id == request.user.pk:
        return redirect("home")  # a lead who removed themselves no longer sees the case
    return redirect("cases:members", case_id=case.pk)


@require_POST
@_lead_only
def invite(request: HttpRequest, case: Case) -> HttpResponse:
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, case, invite_form=form, status=400)
    try:
        invitation, _token = invitation_create(
            case=case,
            email=form.cleaned_data["email"],
            role=CaseRole(form.cleaned_data["role"]),
            invited_by=_user(request),
            expires_in_days=form.cleaned_data["expires_in_days"],
            request=request,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _members_page(request, case, invite_form=form, status=400)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("cases:members", case_id=case.pk)


@require_POST
@_lead_only
def invitation_revoke_view(request: HttpRequest, case: Case, invitation_id: UUID) -> HttpResponse:
    invitation = Invitation.objects.filter(case=case, pk=invitation_id).first()
    if invitation is None:
        raise Http404
    try:
        invitation_revoke(invitation=invitation, revoked_by=_user(request), request=request)
    except InvitationUnavailableError as error:
        return _members_page(
            request,
            case,
            error=_("This invitation cannot be revoked: %(state)s.") % {"state": str(error.state.label).lower()},
            status=400,
        )
    messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    return redirect("cases:members", case_id=case.pk)


@require_POST
@_lead_only
def close(request: HttpRequest, case: Case) -> HttpResponse:
    try:
        case_close(case=case, closed_by=_user(request), request=request)
    except ValidationError as error:
        return _members_page(request, case, error=_error_text(error), status=400)
    messages.success(request, _("The case is closed. Members can still read it; no new material can be added."))
    return redirect("cases:members", case_id=case.pk)


@require_POST
@_lead_only
def reopen(request: HttpRequest, case: Case) -> HttpResponse:
    try:
        case_reopen(case=case, reopened_by=_user(request), request=request)
    except ValidationError as error:
        return _members_page(request, case, error=_error_text(error), status=400)
    messages.success(request, _("The case is open again."))
    return redirect("cases:members", case_id=case.pk)


def _unavailable(request: HttpRequest, state: InvitationState) -> HttpResponse:
    return render(request, "cases/invitation_unavailable.html", {"state": state}, status=410)


def _invitation_page(
    request: HttpRequest,
    offer: Invitation,
    *,
    signup_form: InvitationSignupForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if not request.user.is_authenticated and signup_form is None:
        signup_form = InvitationSignupForm(email=offer.email)
    email_matches = request.user.is_authenticated and _user(request).email.casefold() == offer.email.casefold()
    context = {
        "invitation": offer,
        "signup_form": signup_form,
        "email_matches": email_matches,
        "error": error,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
    }
    return render(request, "cases/invitation.html", context, status=status)


def _accept_signed_in(request: HttpRequest, offer: Invitation, token: str) -> HttpResponse:
    try:
        membership = invitation_accept(token=token, user=_user(request), request=request)
    except ValidationError as refused:
        return _invitation_page(request, offer, error=_error_text(refused), status=400)
    messages.success(request, _("Welcome to the case %(reference)s.") % {"reference": offer.case.reference})
    return redirect("cases:detail", case_id=membership.case_id)


def _accept_with_signup(request: HttpRequest, offer: Invitation, token: str) -> HttpResponse:
    form = InvitationSignupForm(request.POST, email=offer.email)
    if not form.is_valid():
        return _invitation_page(request, offer, signup_form=form, status=400)
    try:
        invitation_accept_with_signup(
            token=token,
            username=form.cleaned_data["username"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            request=request,
        )
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):
            for field, field_errors in refused.error_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            form.add_error(None, refused)
        return _invitation_page(request, offer, signup_form=form, status=400)
    # Signing in stays a separate step, so that it goes through the normal sign-in (and second factor).
    messages.success(request, _("Your account is ready and you are a member of the case. Sign in to continue."))
    return redirect_to_login(reverse("cases:detail", kwargs={"case_id": offer.case_id}))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page the e-mailed link opens: what is offered, and accepting it (signed in) or signing up (anonymous).

    Never cached: the URL holds the token.
    """
    offer = invitation_for_token(token=token)
    if offer is None:
        return render(request, "cases/invitation_invalid.html", status=404)
    if offer.state != InvitationState.PENDING:
        return _unavailable(request, offer.state)
    if request.method != "POST":
        return _invitation_page(request, offer)
    try:
        if request.user.is_authenticated:
            return _accept_signed_in(request, offer, token)
        return _accept_with_signup(request, offer, token)
    except InvitationUnavailableError as unavailable:
        # Used, revoked or expired between the check above and the locked read in the service.
        return _unavailable(request, unavailable.state)
