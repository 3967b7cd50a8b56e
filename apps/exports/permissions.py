"""Who may do what with case bundles. Views, the API and services call these; none re-implements them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.permissions import can_manage_case

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.exports.models import ExportBundle


def can_export(user: User | AnonymousUser, case: Case) -> bool:
    """Start an export of the case, see its register and download its bundles: the case's leads only."""
    return can_manage_case(user, case)


def can_download_bundle(user: User | AnonymousUser, bundle: ExportBundle) -> bool:
    """Download a finished bundle: a lead of its case (the bundle holds every included original)."""
    return can_export(user, bundle.case)
