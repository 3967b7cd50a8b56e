"""Tasks that belong to no single concern."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

PING_KEY = "custos:worker-ping:{token}"


@shared_task(name="common.ping", acks_late=True, time_limit=30)
def ping(*, token: str) -> None:
    """Leave a mark in the shared cache: proves that a worker consumes the queue (ping_worker, tests)."""
    cache.set(PING_KEY.format(token=token), timezone.now().isoformat(), timeout=600)
