"""Operational checks that belong to no single concern."""

import secrets
import time

from django.core.cache import cache

from apps.common.tasks import PING_KEY, ping


def worker_ping(*, timeout_seconds: float = 30.0) -> float | None:
    """Send a ping task through the broker and wait for a worker to run it.

    Returns the round-trip time in seconds, or None if no worker answered
    within the timeout (broker unreachable, no worker running).
    """
    token = secrets.token_hex(8)
    started = time.monotonic()
    ping.apply_async(kwargs={"token": token})
    while time.monotonic() - started < timeout_seconds:
        if cache.get(PING_KEY.format(token=token)) is not None:
            return time.monotonic() - started
        time.sleep(0.1)
    return None
