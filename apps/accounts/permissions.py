"""Who may do what in a case. Views, the API, admin and services ask these; none re-implements them.

Access to a case comes only from membership (need-to-know): being a site
admin does not by itself open a case's evidence. Each app's own
permissions module builds on these predicates, and on ``member_case_ids``
for querysets, so that a list, a search, a count or an export can only
ever start from the cases the user belongs to.

Roles (a user may hold a different one in each case):

- investigator: creates incidents, uploads, edits their own drafts;
- reviewer: reviews evidence and incidents;
- lead: manages members, exports, closes the case; may also review;
- observer: read-only, and sees no witness-identity fields.

A request authenticated by a personal API token (apps.apitokens) is
narrowed to the token's cases: ``limit_to_cases`` marks the user object,
and ``case_role``, ``member_case_ids`` and ``case_ids_with_roles`` then
answer only for the cases that are both the user's and the token's. A token
never widens access: the role in each case is still the membership's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case

# Roles that see witness-identity fields and consent-restricted items.
WITNESS_IDENTITY_ROLES = frozenset({CaseRole.INVESTIGATOR, CaseRole.REVIEWER, CaseRole.LEAD})
# Roles that review evidence and set incidents' verification status.
REVIEWING_ROLES = frozenset({CaseRole.REVIEWER, CaseRole.LEAD})
# Roles that add and edit material in a case.
CONTRIBUTING_ROLES = frozenset({CaseRole.INVESTIGATOR, CaseRole.LEAD})
# Roles whose sign-in must use a second factor (the same holds for site admins).
TWO_FACTOR_ROLES = frozenset({CaseRole.REVIEWER, CaseRole.LEAD})

_ROLE_CACHE_ATTRIBUTE = "_custos_case_roles"
# Set on the user object of a token-authenticated request: the ids of the token's cases.
_TOKEN_CASES_ATTRIBUTE = "_custos_token_case_ids"  # noqa: S105 (an attribute name, not a secret)


def limit_to_cases(user: User, case_ids: frozenset[object]) -> None:
    """Narrow this user object (one request's) to these cases, on top of membership (an API token's scope)."""
    setattr(user, _TOKEN_CASES_ATTRIBUTE, frozenset(case_ids))


def _token_case_ids(user: User) -> frozenset[object] | None:
    """The cases this user object is narrowed to, or None when it is not (a browser session)."""
    limit: frozenset[object] | None = getattr(user, _TOKEN_CASES_ATTRIBUTE, None)
    return limit


def _roles(user: User) -> dict[object, CaseRole]:
    """All of the user's roles, by case id, loaded once per user object (one query per request)."""
    cached: dict[object, CaseRole] | None = getattr(user, _ROLE_CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = {
            case_id: CaseRole(role)
            for case_id, role in CaseMembership.objects.filter(user=user).values_list("case_id", "role")
        }
        setattr(user, _ROLE_CACHE_ATTRIBUTE, cached)
    return cached


def forget_roles(user: User) -> None:
    """Drop the per-object role cache (after a membership change within the same request or test)."""
    if hasattr(user, _ROLE_CACHE_ATTRIBUTE):
        delattr(user, _ROLE_CACHE_ATTRIBUTE)


def case_role(user: User | AnonymousUser, case: Case) -> CaseRole | None:
    """The user's role in the case, or None when they are not a member (or their API token does not name it)."""
    return case_role_by_id(user, case.pk)


def case_role_by_id(user: User | AnonymousUser, case_id: object) -> CaseRole | None:
    if not user.is_authenticated or not user.is_active:
        return None
    limit = _token_case_ids(user)
    if limit is not None and case_id not in limit:
        return None
    return _roles(user).get(case_id)


def member_case_ids(user: User | AnonymousUser) -> list[object]:
    """The ids of the cases the user belongs to, for ``filter(case_id__in=...)``.

    Every queryset of case-owned objects starts from this (need-to-know).
    Narrowed to the API token's cases when the request came with one. The
    ids come from the roles read once per request (_roles): a list of ids
    costs less to build and to plan than a subquery on the memberships,
    and every page uses it several times.
    """
    return _case_ids(user, roles=None)


def case_ids_with_roles(user: User | AnonymousUser, roles: frozenset[CaseRole]) -> list[object]:
    """The ids of the cases where the user has one of ``roles`` (as member_case_ids)."""
    return _case_ids(user, roles=roles)


def _case_ids(user: User | AnonymousUser, *, roles: frozenset[CaseRole] | None) -> list[object]:
    if not user.is_authenticated or not user.is_active:
        return []
    limit = _token_case_ids(user)
    return sorted(
        (
            case_id
            for case_id, role in _roles(user).items()
            if (roles is None or role in roles) and (limit is None or case_id in limit)
        ),
        key=str,
    )


def can_view_case(user: User | AnonymousUser, case: Case) -> bool:
    return case_role(user, case) is not None


def can_contribute(user: User | AnonymousUser, case: Case) -> bool:
    """Create incidents and upload evidence: investigators and leads."""
    return case_role(user, case) in CONTRIBUTING_ROLES


def can_review(user: User | AnonymousUser, case: Case) -> bool:
    """Review evidence and set incidents' verification status: reviewers and leads (the four-eyes rule applies too)."""
    return case_role(user, case) in REVIEWING_ROLES


def can_manage_case(user: User | AnonymousUser, case: Case) -> bool:
    """Manage members and invitations, export, close the case: leads only."""
    return case_role(user, case) == CaseRole.LEAD


def can_see_witness_identity(user: User | AnonymousUser, case: Case) -> bool:
    """Witness-identity fields and consent-restricted items: every role but observer."""
    return case_role(user, case) in WITNESS_IDENTITY_ROLES


def requires_two_factor(user: User | AnonymousUser) -> bool:
    """Reviewers, leads (in any case) and site admins must sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(role in TWO_FACTOR_ROLES for role in _roles(user).values())
