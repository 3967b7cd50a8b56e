"""Periodic custody work, scheduled by Celery beat (config/settings.py, CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from apps.custody.services import custody_checkpoint_create, fixity_run


@shared_task(name="custody.checkpoint", acks_late=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def checkpoint() -> None:
    """Make a Merkle-root checkpoint of all chain heads (timestamped if a TSA is configured)."""
    custody_checkpoint_create()


@shared_task(name="custody.fixity_run", acks_late=True, soft_time_limit=6 * 60 * 60, time_limit=6 * 60 * 60 + 300)
def fixity_run_due() -> None:
    """Re-hash the next due batch of archived originals, at the configured read rate."""
    fixity_run()
