"""Building a case bundle as a Celery task. Thin: load by id, call the service."""

from __future__ import annotations

from celery import shared_task

from apps.exports.services import export_bundle_build


@shared_task(
    name="exports.build_bundle",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=12 * 60 * 60,
    time_limit=12 * 60 * 60 + 300,
)
def build_bundle(*, bundle_id: str) -> None:
    """Build one bundle. A redelivered task finds the bundle done or failed and does nothing."""
    export_bundle_build(bundle_id=bundle_id)
