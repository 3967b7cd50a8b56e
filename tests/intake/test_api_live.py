"""The issue's demonstration: upload with `requests` and a personal token, poll until archived, compare with sha256sum.

Real HTTP against the live server, a real token, and the real pipeline. On
PostgreSQL a real Celery worker (in a thread of this process, through the
configured broker: Redis in CI) archives the item while the test polls. On
SQLite the test database lives in memory, and a worker thread would contend
with the server for it ("database table is locked", see test_faults.py): there
the pipeline runs eagerly, in the server, after the upload commits.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.urls import reverse

from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.cases.models import Case
from config.celery import app
from tests.apitokens.conftest import issue
from tests.intake.test_pipeline import photo

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("custody_transactional_db")]


@pytest.fixture
def pipeline_runs() -> Iterator[str]:
    """A real worker where the database can be shared with it; the eager pipeline otherwise."""
    if connection.vendor == "postgresql":
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield "worker"
        with warnings.catch_warnings():  # as in test_faults.py: the worker thread's cache client dies with it
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        return
    app.conf.task_always_eager = True
    try:
        yield "eager"
    finally:
        app.conf.task_always_eager = False


def poll_until_archived(session: requests.Session, url: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        response = session.get(url, timeout=10)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        seen.append(body["processing_status"])
        if body["processing_status"] in {"archived", "failed"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"the item never reached archived: {seen[-5:]}")


def test_an_upload_with_requests_is_archived_and_its_stored_hash_equals_sha256sum(
    live_server: Any, case: Case, uploader: User, tmp_path: Path, pipeline_runs: str
) -> None:
    path = tmp_path / "IMG_0042.jpg"
    path.write_bytes(photo())
    sha256sum = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    token = issue(uploader, [case], TokenAccess.WRITE)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.secret}"

    with path.open("rb") as stream:
        response = session.post(
            live_server.url + reverse("api:evidence-upload", args=[case.pk]),
            files=[("file", ("IMG_0042.jpg", stream, "image/jpeg"))],
            data={"sha256": sha256sum, "caption": "Crater, north side"},
            timeout=60,
        )

    assert response.status_code == 201, response.text
    [received] = response.json()["items"]
    assert (received["processing_status"], received["sha256"]) == ("received", f"sha256:{sha256sum}")
    item = poll_until_archived(session, live_server.url + reverse("api:evidence-detail", args=[received["id"]]))
    assert (item["processing_status"], item["processing_error"]) == ("archived", "")
    assert item["sha256"] == f"sha256:{sha256sum}"
    assert item["sha256"] == item["client_sha256"]
    assert (item["original_filename"], item["size_bytes"], item["caption"]) == (
        "IMG_0042.jpg",
        path.stat().st_size,
        "Crater, north side",
    )
    custody_url = live_server.url + reverse("api:custody-events", args=[received["id"]])
    actions = [
        event["action"] for event in session.get(custody_url, params={"page_size": 500}, timeout=10).json()["results"]
    ]
    assert (actions[0], actions.count("archived")) == ("received", 1)
