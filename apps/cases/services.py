"""Writes to cases: creation, closing, members and invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.models import CaseMembership, User
from apps.accounts.services import membership_remove, membership_set, security_event_record
from apps.cases.enums import CaseStatus, InvitationState
from apps.cases.models import Case, Invitation, invitation_token_hash

if TYPE_CHECKING:
    from django.http import HttpRequest

INVITATION_DEFAULT_DAYS = 7
INVITATION_MAX_DAYS = 30


class InvitationUnavailableError(Exception):
    """The invitation exists but can no longer be used: expired, revoked or already used (shown with HTTP 410)."""

    def __init__(self, state: InvitationState) -> None:
        super().__init__(str(state.label))
        self.state = state


def case_create(*, reference: str, title: str, created_by: User, description: str = "") -> Case:
    """Create a case; its creator becomes its lead.

    Side effects: one Case and one CaseMembership, in one transaction.
    """
    with transaction.atomic():
        case = Case(reference=reference, title=title, description=description, created_by=created_by)
        case.full_clean()
        case.save()
        membership_set(case=case, user=created_by, role=CaseRole.LEAD, added_by=created_by)
    return case


def _lock_case(case: Case) -> Case:
    """Lock the case row: membership changes, closing and invitations of one case queue behind each other.

    Without it, two leads demoting each other at the same moment could both
    see "another lead remains" and leave the case with none.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    case.status = locked.status
    return locked


def _status_set(
    *, case: Case, before: CaseStatus, after: CaseStatus, by: User, kind: SecurityEventKind, request: HttpRequest | None
) -> Case:
    with transaction.atomic():
        locked = _lock_case(case)
        if locked.status != before:
            raise ValidationError(
                _("The case is %(status)s; nothing was changed.") % {"status": locked.get_status_display().lower()},
                code="wrong_status",
            )
        locked.status = after
        locked.save(update_fields=["status", "updated_at"])
        security_event_record(
            kind=kind, user=by, actor=by, case=locked, request=request, details={"before": before, "after": after}
        )
    case.status = after
    return case


def case_close(*, case: Case, closed_by: User, request: HttpRequest | None = None) -> Case:
    """Close an open case: it stays readable to its members, and other apps refuse new work (``case_is_open``).

    Side effects: the case's status becomes closed (the row is locked meanwhile)
    and a CASE_CLOSED security event, in one transaction. Raises
    ValidationError when the case is not open.
    """
    return _status_set(
        case=case,
        before=CaseStatus.OPEN,
        after=CaseStatus.CLOSED,
        by=closed_by,
        kind=SecurityEventKind.CASE_CLOSED,
        request=request,
    )


def case_reopen(*, case: Case, reopened_by: User, request: HttpRequest | None = None) -> Case:
    """Reopen a closed case (an archived case is not reopened here).

    Side effects: the case's status becomes open and a CASE_REOPENED security
    event. Raises ValidationError when the case is not closed.
    """
    return _status_set(
        case=case,
        before=CaseStatus.CLOSED,
        after=CaseStatus.OPEN,
        by=reopened_by,
        kind=SecurityEventKind.CASE_REOPENED,
        request=request,
    )


def _lead_count(case: Case) -> int:
    return CaseMembership.objects.filter(case=case, role=CaseRole.LEAD).count()


def _locked_membership(case: Case, membership: CaseMembership) -> CaseMembership:
    """The membership as it is now, with the case row locked (so two leads cannot demote each other at once).

    Call inside a transaction. Raises ValidationError when it is not (or no longer) a membership of the case.
    """
    if membership.case_id != case.pk:
        raise ValidationError(_("This person is not a member of this case."), code="not_member")
    _lock_case(case)
    current = CaseMembership.objects.select_related("user").filter(pk=membership.pk).first()
    if current is None:
        raise ValidationError(_("This person is no longer a member of this case."), code="not_member")
    return current


def member_role_change(
    *, case: Case, membership: CaseMembership, role: CaseRole, changed_by: User, request: HttpRequest | None = None
) -> CaseMembership:
    """Give a member another role. The last lead of a case cannot be demoted: a case keeps at least one lead.

    Side effects: a ROLE_CHANGED security event (through accounts.services.membership_set),
    in one transaction with the case row locked. Raises ValidationError.
    """
    with transaction.atomic():
        current = _locked_membership(case, membership)
        if current.role == CaseRole.LEAD and role != CaseRole.LEAD and _lead_count(case) == 1:
            raise ValidationError(
                _("A case must keep at least one lead. Make another member a lead first."), code="last_lead"
            )
        return membership_set(case=case, user=current.user, role=role, added_by=changed_by, request=request)


def member_remove(
    *, case: Case, membership: CaseMembership, removed_by: User, request: HttpRequest | None = None
) -> None:
    """Remove a member from the case. The last lead cannot be removed: a case keeps at least one lead.

    Side effects: a MEMBER_REMOVED security event (through accounts.services.membership_remove),
    in one transaction with the case row locked. Raises ValidationError.
    """
    with transaction.atomic():
        current = _locked_membership(case, membership)
        if current.role == CaseRole.LEAD and _lead_count(case) == 1:
            raise ValidationError(
                _("A case must keep at least one lead. Make another member a lead before removing this one."),
                code="last_lead",
            )
        membership_remove(case=case, user=current.user, removed_by=removed_by, request=request)


def _normalised_email(email: str) -> str:
    return User.objects.normalize_email(email.strip())


def _accept_url(token: str, request: HttpRequest | None) -> str:
    path = reverse("cases:invitation", kwargs={"token": token})
    if request is not None:
        return request.build_absolute_uri(path)
    # Outside a request (shell, tasks) the site's address comes from settings.
    base: str = getattr(settings, "CUSTOS_SITE_URL", "http://localhost:8000")
    return base.rstrip("/") + path


def invitation_create(
    *,
    case: Case,
    email: str,
    role: CaseRole,
    invited_by: User,
    expires_in_days: int = INVITATION_DEFAULT_DAYS,
    request: HttpRequest | None = None,
) -> tuple[Invitation, str]:
    """Invite a person, by e-mail address, to join the case with a role. Returns the invitation and its token.

    The token is 32 random bytes (``secrets.token_urlsafe``); only its SHA-256
    is stored. The token travels only in the e-mail.

    Side effects: one Invitation and an INVITATION_SENT security event in one
    transaction; the e-mail (subject and body in the inviter's current language,
    with the absolute accept link) is sent after the commit, so a rolled-back
    invitation never sends a working-looking link. Raises ValidationError.
    """
    email = _normalised_email(email)
    if not 1 <= expires_in_days <= INVITATION_MAX_DAYS:
        raise ValidationError(
            _("An invitation is valid for 1 to %(max)d days.") % {"max": INVITATION_MAX_DAYS}, code="expiry"
        )
    if role not in CaseRole.values:
        raise ValidationError(_("Choose a valid role."), code="role")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _lock_case(case)
        if CaseMembership.objects.filter(case=case, user__email__iexact=email).exists():
            raise ValidationError(_("A member of this case already uses this e-mail address."), code="member")
        now = timezone.now()
        pending = Invitation.objects.filter(
            case=case, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        if pending.exists():
            raise ValidationError(
                _("This address already has a pending invitation to this case. Revoke it first to send a new one."),
                code="pending",
            )
        invitation = Invitation.objects.create(
            case=case,
            email=email,
            role=role,
            token_hash=invitation_token_hash(token),
            invited_by=invited_by,
            expires_at=now + timedelta(days=expires_in_days),
        )
        security_event_record(
            kind=SecurityEventKind.INVITATION_SENT,
            actor=invited_by,
            username=email,
            case=case,
            request=request,
            details={"invitation": str(invitation.pk), "email": email, "role": str(role), "days": expires_in_days},
        )
        # Rendered now, in the inviter's language; sent only once the invitation is committed.
        context = {
            "invitation": invitation,
            "case": case,
            "role": CaseRole(role).label,
            "invited_by": invited_by,
            "accept_url": _accept_url(token, request),
        }
        subject = _("Invitation to the case %(reference)s in Custos") % {"reference": case.reference}
        body = render_to_string("cases/email/invitation.txt", context)
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation, token


def invitation_revoke(*, invitation: Invitation, revoked_by: User, request: HttpRequest | None = None) -> Invitation:
    """Revoke a pending invitation so that its link no longer works.

    Side effects: the invitation's revoked_at/revoked_by and an INVITATION_REVOKED
    security event, in one transaction. Raises InvitationUnavailableError when it
    was already used, revoked or expired.
    """
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.state != InvitationState.PENDING:
            raise InvitationUnavailableError(locked.state)
        locked.revoked_at = timezone.now()
        locked.revoked_by = revoked_by
        locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        security_event_record(
            kind=SecurityEventKind.INVITATION_REVOKED,
            actor=revoked_by,
            username=locked.email,
            case=locked.case,
            request=request,
            details={"invitation": str(locked.pk), "email": locked.email, "role": locked.role},
        )
    return locked


def _locked_pending_invitation(token: str) -> Invitation:
    """The invitation for the token, row-locked, so that two submits of one link queue and the second fails."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=invitation_token_hash(token)).first()
    if invitation is None:
        raise Invitation.DoesNotExist
    if invitation.state != InvitationState.PENDING:
        raise InvitationUnavailableError(invitation.state)
    return invitation


def _accept(*, invitation: Invitation, user: User, request: HttpRequest | None) -> CaseMembership:
    membership = membership_set(
        case=invitation.case,
        user=user,
        role=CaseRole(invitation.role),
        added_by=invitation.invited_by,
        request=request,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    security_event_record(
        kind=SecurityEventKind.INVITATION_ACCEPTED,
        user=user,
        actor=user,
        case=invitation.case,
        request=request,
        details={"invitation": str(invitation.pk), "email": invitation.email, "role": invitation.role},
    )
    return membership


def invitation_accept(*, token: str, user: User, request: HttpRequest | None = None) -> CaseMembership:
    """Accept an invitation for a signed-in user whose account address is the invited one (case-insensitively).

    Side effects, in one transaction with the invitation row locked: the
    membership (MEMBER_ADDED security event), the invitation marked used, an
    INVITATION_ACCEPTED security event. Raises Invitation.DoesNotExist for an
    unknown token, InvitationUnavailableError when it can no longer be used,
    ValidationError for another address or an existing member.
    """
    with transaction.atomic():
        invitation = _locked_pending_invitation(token)
        if user.email.strip().casefold() != invitation.email.casefold():
            raise ValidationError(
                _(
                    "This invitation was sent to another e-mail address than your account's. Sign in with the "
                    "account that uses the invited address, or ask the case lead for a new invitation."
                ),
                code="email_mismatch",
            )
        if CaseMembership.objects.filter(case=invitation.case, user=user).exists():
            raise ValidationError(_("You are already a member of this case."), code="member")
        return _accept(invitation=invitation, user=user, request=request)


def invitation_accept_with_signup(
    *, token: str, username: str, full_name: str, password: str, request: HttpRequest | None = None
) -> User:
    """Create an account with the invited address and accept the invitation for it.

    The password is checked by the configured validators and stored with the
    first configured hasher (Argon2). The full name is kept whole in
    ``first_name``: names do not split reliably into given and family names.

    Side effects, in one transaction with the invitation row locked: the user,
    the membership, the invitation marked used, MEMBER_ADDED and
    INVITATION_ACCEPTED security events. Raises as invitation_accept, and
    ValidationError for a taken username, an address already in use or a
    refused password.
    """
    with transaction.atomic():
        invitation = _locked_pending_invitation(token)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account already uses this e-mail address. Sign in with it to accept the invitation."),
                code="email_taken",
            )
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is taken. Choose another one.")})
        user = User(username=username, email=invitation.email, first_name=full_name.strip())
        validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
        _accept(invitation=invitation, user=user, request=request)
    return user
