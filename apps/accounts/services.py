"""Writes to users, case memberships and the security audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.models import CaseMembership, SecurityEvent, User
from apps.accounts.permissions import forget_roles
from apps.cases.models import Case

if TYPE_CHECKING:
    from django.http import HttpRequest


def _client_address(request: HttpRequest | None) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    # REMOTE_ADDR only: behind a proxy, the proxy sets it (docs/deployment.md); a
    # client-supplied X-Forwarded-For must not be able to forge the log.
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")[:300]


def security_event_record(
    *,
    kind: SecurityEventKind,
    user: User | None = None,
    actor: User | None = None,
    username: str = "",
    case: Case | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one entry to the security audit log (in the caller's transaction)."""
    ip_address, user_agent = _client_address(request)
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor,
        username=username or (user.get_username() if user is not None else ""),
        case=case,
        ip_address=ip_address,
        user_agent=user_agent,
        details=details or {},
    )


def membership_set(
    *, case: Case, user: User, role: CaseRole, added_by: User | None = None, request: HttpRequest | None = None
) -> CaseMembership:
    """Make the user a member of the case with the role (changing the role if already a member).

    Side effects: a MEMBER_ADDED or ROLE_CHANGED security event, in the same transaction.
    """
    with transaction.atomic():
        existing = CaseMembership.objects.select_for_update().filter(case=case, user=user).first()
        if existing is None:
            membership = CaseMembership.objects.create(case=case, user=user, role=role, added_by=added_by)
            security_event_record(
                kind=SecurityEventKind.MEMBER_ADDED,
                user=user,
                actor=added_by,
                case=case,
                request=request,
                details={"role": str(role)},
            )
        else:
            membership = existing
            if existing.role != role:
                before = existing.role
                existing.role = role
                existing.save(update_fields=["role", "updated_at"])
                security_event_record(
                    kind=SecurityEventKind.ROLE_CHANGED,
                    user=user,
                    actor=added_by,
                    case=case,
                    request=request,
                    details={"before": before, "after": str(role)},
                )
    forget_roles(user)
    return membership


def membership_remove(
    *, case: Case, user: User, removed_by: User | None = None, request: HttpRequest | None = None
) -> bool:
    """Remove the user from the case. Returns whether they were a member.

    Side effects: a MEMBER_REMOVED security event, in the same transaction.
    """
    with transaction.atomic():
        membership = CaseMembership.objects.select_for_update().filter(case=case, user=user).first()
        if membership is None:
            return False
        role = membership.role
        membership.delete()
        security_event_record(
            kind=SecurityEventKind.MEMBER_REMOVED,
            user=user,
            actor=removed_by,
            case=case,
            request=request,
            details={"role": role},
        )
    forget_roles(user)
    return True
