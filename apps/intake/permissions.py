"""Who may add evidence to a case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from apps.accounts.permissions import can_contribute
from apps.cases.permissions import case_is_open

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case


def can_upload_evidence(user: User | AnonymousUser, case: Case) -> bool:
    """Investigators and leads of an open case add evidence; reviewers and observers never; nobody to a closed case."""
    return can_contribute(user, case) and case_is_open(case)


def upload_refusal(case: Case) -> str:
    """Why a member may not add evidence to the case (a member knows the case exists, so they are told why)."""
    if not case_is_open(case):
        return _("This case is closed; it accepts no new evidence. A lead can reopen it.")
    return _("Your role in this case does not add evidence.")
