"""A real Celery worker consumes tasks through the configured broker.

In CI that is Redis; with no configuration it is kombu's file-system
transport. Nothing is mocked: the worker runs in a thread of this process.
"""

import gc
import warnings
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from apps.common.services import worker_ping
from config.celery import app

pytestmark = pytest.mark.worker


@pytest.fixture
def celery_worker() -> Iterator[None]:
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    # Django's cache clients are per thread. The worker thread's Redis client
    # dies with the thread without being closed; collect it here, where its
    # open socket is known not to be a leak of the code under test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_a_worker_runs_a_task_sent_through_the_configured_broker(celery_worker: None) -> None:
    elapsed = worker_ping(timeout_seconds=20)

    assert elapsed is not None, f"no worker consumed the ping through {settings.CELERY_BROKER_URL}"


def test_without_a_worker_the_ping_times_out() -> None:
    assert worker_ping(timeout_seconds=1) is None
