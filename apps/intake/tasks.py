"""The intake pipeline as Celery tasks, one per step, chained per item.

Tasks are thin: they take the item id, call the step's service, and
declare how they survive faults. acks_late + reject_on_worker_lost mean a
step whose worker dies (SIGKILL, OOM, power) is delivered again rather than
lost; the services make a repeated step harmless.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Task, chain, shared_task
from celery.canvas import Signature
from django.conf import settings
from django.utils import timezone

from apps.evidence.enums import ProcessingStatus
from apps.evidence.models import EvidenceItem
from apps.intake import services, tus


def _step_task(step: str) -> Task[..., None]:
    run = dict(services.PIPELINE_STEPS)[step]

    def task(*, item_id: str) -> None:
        run(item_id=item_id)

    task.__name__ = task.__qualname__ = f"step_{step}"
    task.__doc__ = f"Intake step '{step}' for one item."
    return shared_task(
        name=f"intake.{step}",
        acks_late=True,
        reject_on_worker_lost=True,
        # A transient storage error (NFS hiccup, S3 timeout) is retried; a bad file is not an error here.
        autoretry_for=(OSError,),
        retry_backoff=True,
        max_retries=5,
        soft_time_limit=2 * 60 * 60,
        time_limit=2 * 60 * 60 + 300,
    )(task)


STEP_TASKS = {step: _step_task(step) for step, _ in services.PIPELINE_STEPS}


def pipeline_signature(*, item_id: str) -> Signature[Any]:
    """verify -> identify -> describe -> fingerprint -> derive -> archive, immutable signatures (ids only)."""
    return chain(*(STEP_TASKS[step].si(item_id=item_id) for step, _ in services.PIPELINE_STEPS))


@shared_task(name="intake.sweep", acks_late=True, time_limit=300)
def sweep() -> int:
    """Re-enqueue items stuck in received/processing (broker was down, a chain was lost). Returns how many."""
    stuck_before = timezone.now() - timedelta(seconds=settings.INTAKE_STUCK_AFTER_SECONDS)
    stuck = EvidenceItem.objects.filter(
        processing_status__in=[ProcessingStatus.RECEIVED, ProcessingStatus.PROCESSING], updated_at__lt=stuck_before
    ).exclude(quarantine_name="")
    count = 0
    for item_id in stuck.values_list("id", flat=True):
        count += services.pipeline_enqueue(item_id=str(item_id))
    return count


@shared_task(name="intake.tus_expire", acks_late=True, time_limit=30 * 60)
def tus_expire() -> int:
    """Remove unfinished resumable uploads past their expiry, with their quarantine files. Returns how many."""
    return tus.tus_expire_unfinished()
