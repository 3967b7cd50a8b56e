"""Writes to the bundle register: request an export, build it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.models import ExportBundle
from apps.exports.permissions import can_export

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.incidents.models import Incident

logger = logging.getLogger(__name__)


def export_bundle_create(
    *,
    case: Case,
    requested_by: User,
    recipient_type: str,
    recipient_organisation: str,
    recipient_person: str,
    purpose: str,
    incidents: Iterable[Incident] = (),
    include_pending: bool = False,
    include_derivatives: bool = False,
) -> ExportBundle:
    """Register an export request (status pending) and enqueue its build once the transaction commits.

    Only a lead of the case may export (PermissionDenied otherwise); incidents must belong to the case
    (ValueError). Side effects: one ExportBundle row; after commit, the exports.build_bundle task.
    """
    if not can_export(requested_by, case):
        raise PermissionDenied("only a lead of the case may export it")
    if recipient_type not in RecipientType.values:
        raise ValueError(f"unknown recipient type {recipient_type!r}")
    chosen = list(incidents)
    if any(incident.case_id != case.pk for incident in chosen):
        raise ValueError("an export can only include incidents of its own case")
    with transaction.atomic():
        bundle = ExportBundle.objects.create(
            case=case,
            requested_by=requested_by,
            status=ExportStatus.PENDING,
            recipient_type=recipient_type,
            recipient_organisation=recipient_organisation,
            recipient_person=recipient_person,
            purpose=purpose,
            include_pending=include_pending,
            include_derivatives=include_derivatives,
        )
        if chosen:
            bundle.incidents.set(chosen)
        transaction.on_commit(lambda: export_bundle_enqueue(bundle_id=str(bundle.pk)))
    return bundle


def export_bundle_enqueue(*, bundle_id: str) -> bool:
    """Send the build to the broker. False (logged) when the broker cannot be reached."""
    from apps.exports.tasks import build_bundle  # noqa: PLC0415 (tasks import services)

    try:
        build_bundle.apply_async(kwargs={"bundle_id": bundle_id})
    except Exception:
        logger.warning("could not enqueue the build of bundle %s", bundle_id, exc_info=True)
        return False
    return True


def export_bundle_build(*, bundle_id: object) -> ExportBundle:
    """Build the bundle (placeholder until the builder lands)."""
    return ExportBundle.objects.get(pk=bundle_id)
