"""Faults with real components: a real worker through the real broker, a broker that goes down, a worker killed.

Nothing is mocked. The broker is the configured one (Redis in CI), or a
private redis-server this test starts and stops; the killed worker is a real
`celery worker` process whose pool child gets SIGKILL in the middle of a step.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.intake.tasks import sweep
from config.celery import app
from tests.intake.conftest import multipart
from tests.intake.test_pipeline import photo, receive

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.usefixtures("custody_transactional_db"),
    # The SQLite test database lives in memory, shared between threads with table-level locks:
    # a worker thread and the test contend for it ("database table is locked"). The embedded
    # setup's real worker is exercised by .ci/run's `make run` smoke test instead.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared by worker and test"),
]


def wait_for(item: EvidenceItem, status: str, timeout: float = 90) -> EvidenceItem:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item.refresh_from_db()
        if item.processing_status == status:
            return item
        time.sleep(0.2)
    raise AssertionError(f"item stayed {item.processing_status!r} ({item.processing_notes or item.processing_error})")


def _collect_worker_thread_garbage() -> None:
    # As in tests/common/test_worker.py: the worker thread's cache client dies with its thread.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def in_thread_worker() -> Iterator[None]:
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield
    _collect_worker_thread_garbage()


def test_an_api_upload_is_archived_by_a_real_worker_and_its_hash_matches_sha256sum(
    client: Client, case: Case, uploader: User, in_thread_worker: None, tmp_path: Path
) -> None:
    content = photo()
    (tmp_path / "upload.jpg").write_bytes(content)
    client.force_login(uploader)
    body, content_type = multipart({}, [("file", "upload.jpg", "image/jpeg", content)])

    response = client.generic("POST", reverse("api:evidence-upload", args=[case.pk]), body, content_type=content_type)

    item = wait_for(EvidenceItem.objects.get(pk=response.json()["items"][0]["id"]), "archived")
    sha256sum = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", str(tmp_path / "upload.jpg")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert item.sha256 == "sha256:" + sha256sum.stdout.split()[0]
    status = client.get(reverse("api:evidence-detail", args=[item.pk])).json()
    assert (status["processing_status"], status["sha256"]) == ("archived", item.sha256)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own, on a spare port, that it can stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.05)
            else:
                return
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _reset_connections() -> None:
    """Drop the app's broker connection and producer pools, so the next publish connects to the new URL."""
    kombu.pools.reset()  # closes and forgets every pooled connection, keyed by URL
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    """Point the Celery app at a private redis-server for the test, and back afterwards."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path)
    redis.start()
    original = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = redis.url, {"visibility_timeout": 3600}
    _reset_connections()
    yield redis
    redis.stop()
    app.conf.broker_url, app.conf.broker_transport_options = original
    _reset_connections()


def test_with_the_broker_down_the_upload_is_kept_and_finishes_once_the_broker_is_back(
    client: Client, case: Case, uploader: User, private_broker: PrivateRedis, settings: Any
) -> None:
    settings.INTAKE_STUCK_AFTER_SECONDS = 0
    private_broker.stop()
    client.force_login(uploader)
    body, content_type = multipart({}, [("file", "a.jpg", "image/jpeg", photo())])

    response = client.generic("POST", reverse("api:evidence-upload", args=[case.pk]), body, content_type=content_type)

    assert response.status_code == 201
    item = EvidenceItem.objects.get()
    assert item.processing_status == "received"
    private_broker.start()
    assert sweep() == 1
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        wait_for(item, "archived")
    _collect_worker_thread_garbage()
    assert list(item.custody_events.values_list("action", flat=True)).count("archived") == 1


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_worker_killed_mid_step_is_redelivered_and_the_item_ends_archived_once(
    case: Case, uploader: User, tmp_path: Path
) -> None:
    # Big enough that hashing takes a moment: the kill lands inside the verify step.
    content = os.urandom(1024 * 1024) * 300
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CUSTOS_VAR_DIR": str(tmp_path / "var"),
        "EVIDENCE_ROOT": str(settings.EVIDENCE_ROOT),
        "INTAKE_QUARANTINE_ROOT": str(settings.INTAKE_QUARANTINE_ROOT),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        item = receive(case, uploader, content, "big.bin", "application/octet-stream")  # commits, enqueues
        killed = False
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            for child in _children(worker.pid):
                if _cpu_seconds(child) > 1.0:  # busy hashing
                    os.kill(child, signal.SIGKILL)
                    killed = True
            time.sleep(0.05)
        assert killed, "the worker never got busy with the item"
        item = wait_for(item, "archived", timeout=120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert item.sha256 == "sha256:" + hashlib.sha256(content).hexdigest()
    actions = list(item.custody_events.order_by("sequence").values_list("action", flat=True))
    assert actions == ["received", "verified", "identified", "metadata_extracted", "fingerprinted", "archived"]
