"""Benchmark: 1,000 small JPEGs through the intake pipeline, end to end, with 2 worker processes.

Target (the intake issue): report items per second and the share of time
per step, so that the next bottleneck is visible.

What it does, all in one run against its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/custos_bench_intake, created if
missing; its case, evidence and custody rows are wiped first), its own
broker (BENCH_BROKER_URL, default Redis database 13, flushed before and
after) and a temporary directory (the JPEGs, quarantine, evidence, cache;
removed at the end, also on failure):

1. draws 1,000 distinct JPEGs with Pillow (50-100 KB, 600-800 px, gradients,
   noise and shapes; every third with EXIF camera, date and GPS);
2. starts a real worker, `celery -A config worker --pool prefork
   --concurrency 2 -E` (-E: task events, from which each task's own run
   time is read; the custody timestamps alone mix run time with queue wait);
3. receives the files with apps.intake.services.evidence_receive, called
   directly (the quarantine copy and its SHA-256 as the upload handler makes
   them, without HTTP: bench/upload.py measures that part), each commit
   enqueueing the item's pipeline on the broker, and waits until every item
   is archived (polling the database; at most 4 minutes from the first
   receipt, so that the whole run stays near 5: past that it reports what
   was done, with "complete": false). items_per_second is the work done in
   items (pipeline tasks run / 6) per second from the first receipt: when
   complete, archived items per second; when cut short still the rate, as
   the single queue runs breadth first and most items are then part-way
   (archived_per_second counts archived items only);
4. per step, from the custody events' timestamps: the mean time between an
   item's event and its previous one (received -> verified is verify,
   verified -> identified is identify, ... last derivative_created ->
   archived is archive), which includes the time the step's task waited in
   the queue, and its share of the sum (step_share); and from the task
   events, the mean run time of each step's task and its share of their sum
   (step_busy_share): that is where an item's worker time goes;
5. baseline, same worker, run before the pipeline: a chain of 6 no-op tasks
   (common.ping) per item for 200 items, the cost of the queueing alone;
   ratio is the pipeline's seconds per item over the baseline's.

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _support import (  # bench/ is the script's folder, first on sys.path
    database_url,
    ensure_database,
    exit_on_sigterm,
    reset_tables,
    rounded,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_intake"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/13"

ITEMS = 1_000
BASELINE_ITEMS = 200  # the no-op chains give a rate; fewer of them keep the run within ~5 minutes
CONCURRENCY = 2
PIPELINE_TIMEOUT_SECONDS = 240
BASELINE_TIMEOUT_SECONDS = 60
WORKER_START_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5
GPS_EVERY = 3  # every third JPEG carries EXIF camera, date and GPS
MIN_JPEG_BYTES, MAX_JPEG_BYTES = 50 * 1024, 100 * 1024
NOISE_SIZE = 1_100
KB = 1024

# (step, custody action that ends it); each step starts at the previous step's event.
STEPS = [
    ("verify", "verified"),
    ("identify", "identified"),
    ("describe", "metadata_extracted"),
    ("fingerprint", "fingerprinted"),
    ("derive", "derivative_created"),
    ("archive", "archived"),
]


def log(message: str) -> None:
    print(f"[ingest_many] {message}", file=sys.stderr, flush=True)


# --- Set-up ---------------------------------------------------------------------------


def broker_url() -> str:
    url = os.environ.get("BENCH_BROKER_URL") or DEFAULT_BROKER_URL
    if urlsplit(url).scheme != "redis":
        raise SystemExit(f"BENCH_BROKER_URL must be a Redis URL (it is flushed), not {url!r}")
    return url


def flush_broker(url: str) -> None:
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def bench_environment(url: str, broker: str, var_dir: str) -> None:
    """The settings' environment, also inherited by the worker."""
    # Never the ambient DATABASE_URL or broker: this script wipes its database's rows and flushes its broker.
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["INTAKE_QUARANTINE_ROOT"] = str(Path(var_dir) / "quarantine")
    os.environ["EVIDENCE_ROOT"] = str(Path(var_dir) / "evidence")
    os.environ.pop("REDIS_URL", None)  # the cache: files in the temporary directory
    os.environ["EVIDENCE_STORAGE"] = "local"
    os.environ["DEBUG"] = "0"  # no query log, production-like
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")


def setup_django(url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


# --- The JPEGs --------------------------------------------------------------------------

_noise: Any = None


def _noise_field() -> Any:
    import numpy as np  # noqa: PLC0415

    global _noise  # noqa: PLW0603 (one field per generating process)
    if _noise is None:
        _noise = np.random.default_rng(0).normal(0, 1, (NOISE_SIZE, NOISE_SIZE, 3)).astype(np.float32)
    return _noise


def draw_jpeg(number: int, sigma: float = 12.0) -> bytes:
    """A distinct JPEG: a colour gradient, grain and shapes; every GPS_EVERY-th with EXIF camera, date and GPS."""
    import numpy as np  # noqa: PLC0415
    from PIL import ExifTags, Image, ImageDraw  # noqa: PLC0415

    rng = random.Random(number)  # noqa: S311 (reproducible test data, not secrets)
    width, height = rng.choice([(800, 600), (640, 480), (720, 540), (600, 800)])
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = np.array([rng.uniform(40, 255) for _ in range(3)], dtype=np.float32)
    slope = np.array([rng.uniform(-120, 120) for _ in range(3)], dtype=np.float32)
    left, top = rng.randrange(NOISE_SIZE - width), rng.randrange(NOISE_SIZE - height)
    pixels = base * (0.4 + 0.6 * x) + slope * y + sigma * _noise_field()[top : top + height, left : left + width]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(5, 25)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(20, 300), y0 + rng.randrange(20, 300))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    exif = Image.Exif()
    if number % GPS_EVERY == 0:
        exif[ExifTags.Base.Make] = "BenchCam"
        exif[ExifTags.Base.Model] = f"B-{number % 7}"
        taken = f"2024:03:{1 + number % 28:02d} {number % 24:02d}:{number % 60:02d}:{(number * 7) % 60:02d}"
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (float(46 + number % 6), float(number % 60), round(rng.uniform(0, 59), 2))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = (float(24 + number % 15), float(number % 59), round(rng.uniform(0, 59), 2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


def write_jpeg(task: tuple[int, str]) -> int:
    """Draw JPEG `number` into `folder`, with more or less grain until it is 50-100 KB; returns its size."""
    number, folder = task
    sigma = 12.0
    for _attempt in range(4):
        data = draw_jpeg(number, sigma)
        if len(data) < MIN_JPEG_BYTES:
            sigma *= 1.6
        elif len(data) > MAX_JPEG_BYTES:
            sigma /= 1.6
        else:
            break
    (Path(folder) / f"IMG_{number:04d}.jpg").write_bytes(data)
    return len(data)


def draw_all(folder: Path, count: int) -> list[int]:
    """Draw the JPEGs on every core (before Django opens any connection); returns their sizes."""
    folder.mkdir()
    workers = max(1, min(CONCURRENCY, os.cpu_count() or 1))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(write_jpeg, [(number, str(folder)) for number in range(count)], chunksize=25)


# --- The worker and its events --------------------------------------------------------


class TaskEvents:
    """Collects the workers' task events (run in a thread): each task's name and run time."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.runtimes: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.unnamed = 0
        self.receiver: Any = None
        self.thread = threading.Thread(target=self._capture, name="task-events", daemon=True)
        self.error: BaseException | None = None

    def _received(self, event: dict[str, Any]) -> None:
        self.names[event["uuid"]] = event.get("name", "?")

    def _succeeded(self, event: dict[str, Any]) -> None:
        name = self.names.get(event["uuid"])
        if name is None:
            self.unnamed += 1
            return
        self.runtimes[name].append(float(event.get("runtime") or 0.0))

    def _failed(self, event: dict[str, Any]) -> None:
        self.failures.append(f"{self.names.get(event['uuid'], '?')}: {event.get('exception', '')}")

    def _capture(self) -> None:
        from config.celery import app  # noqa: PLC0415

        try:
            with app.connection_for_read() as connection:
                self.receiver = app.events.Receiver(
                    connection,
                    handlers={
                        "task-received": self._received,
                        "task-succeeded": self._succeeded,
                        "task-failed": self._failed,
                        "*": lambda _event: None,
                    },
                )
                self.receiver.capture(limit=None, timeout=None, wakeup=False)
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            self.error = error

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while self.receiver is None and self.error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let it subscribe before anything happens

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.should_stop = True
        self.thread.join(timeout=10)

    def count(self, prefix: str) -> int:
        return sum(len(runs) for name, runs in list(self.runtimes.items()) if name.startswith(prefix))


@contextlib.contextmanager
def celery_worker(log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real prefork worker with CONCURRENCY processes and task events, until the block ends."""
    from config.celery import app  # noqa: PLC0415

    executable = Path(sys.executable).parent / "celery"
    name = f"bench-ingest-{os.getpid()}@%h"
    command = [
        str(executable),
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(CONCURRENCY),
        "--loglevel",
        "WARNING",
        "--without-mingle",
        "--without-gossip",
        "-E",
        "-n",
        name,
    ]
    with log_path.open("wb") as output:
        worker = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_ready(app, worker)
        yield worker
    except BaseException:
        stop_process(worker)
        log("the end of the worker's log:")
        print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr, flush=True)
        raise
    finally:
        stop_process(worker)
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "ERROR" in line]
    if errors:
        log(f"the worker logged {len(errors)} errors, e.g. {errors[0]}")


def wait_until_ready(app: Any, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
    while not app.control.ping(timeout=1.0):
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with status {worker.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not answer within {WORKER_START_TIMEOUT_SECONDS} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (warm shutdown), then SIGKILL to the process group this script started (the worker and its pool)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


# --- Measurements ----------------------------------------------------------------------


def create_case() -> tuple[Any, Any]:
    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.models import CaseMembership, User  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415

    user, _created = User.objects.get_or_create(username="bench-intake")
    case = Case.objects.create(reference="BENCH-MANY", title="Benchmark: 1,000 small JPEGs")
    CaseMembership.objects.create(user=user, case=case, role=CaseRole.INVESTIGATOR)
    return case, user


def receive_all(case: Any, user: Any, folder: Path) -> None:
    """Each file as the upload handler leaves it (a new quarantine file, its SHA-256), then evidence_receive."""
    from apps.intake.quarantine import new_quarantine_name, quarantine_path  # noqa: PLC0415
    from apps.intake.services import ReceivedFile, evidence_receive  # noqa: PLC0415

    for source in sorted(folder.iterdir()):
        data = source.read_bytes()
        name = new_quarantine_name()
        with quarantine_path(name).open("xb") as stream:
            stream.write(data)
        evidence_receive(
            case=case,
            uploaded_by=user,
            received=ReceivedFile(
                quarantine_name=name,
                sha256="sha256:" + hashlib.sha256(data).hexdigest(),
                size_bytes=len(data),
                original_filename=source.name,
                declared_content_type="image/jpeg",
            ),
            via="bench",
        )


def wait_for_pipeline(case: Any, count: int, worker: subprocess.Popen[bytes], log_path: Path, started: float) -> int:
    """Wait until all items are archived, or PIPELINE_TIMEOUT_SECONDS after `started`; returns how many are."""
    from django.db.models import Count  # noqa: PLC0415

    from apps.evidence.enums import ProcessingStatus  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415

    deadline = started + PIPELINE_TIMEOUT_SECONDS
    last_report = time.monotonic()
    while True:
        counts = dict(
            EvidenceItem.objects.filter(case=case)
            .values_list("processing_status")
            .annotate(n=Count("id"))
            .values_list("processing_status", "n")
        )
        if counts.get(ProcessingStatus.FAILED):
            failed = EvidenceItem.objects.filter(case=case, processing_status=ProcessingStatus.FAILED).first()
            raise SystemExit(f"{counts[ProcessingStatus.FAILED]} items failed, e.g. {failed.processing_error!r}")
        archived: int = counts.get(ProcessingStatus.ARCHIVED, 0)
        if archived >= count:
            return archived
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with status {worker.returncode}:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            log(f"not all archived within {PIPELINE_TIMEOUT_SECONDS} s: {counts}; reporting what was done")
            return archived
        if time.monotonic() - last_report > 15:
            log(f"  {counts}")
            last_report = time.monotonic()
        time.sleep(POLL_SECONDS)


def step_gaps(case: Any) -> tuple[dict[str, list[float]], dict[str, float], int]:
    """Per step, the seconds between its custody event and the previous one, for every archived item.

    Returns (gaps by step, {"first_archived": s, "last_archived": s} after the first receipt,
    items without derivatives).
    """
    from apps.custody.models import CustodyEvent  # noqa: PLC0415

    events: dict[Any, dict[str, Any]] = defaultdict(dict)
    rows = (
        CustodyEvent.objects.filter(item__case=case)
        .order_by("item_id", "sequence")
        .values_list("item_id", "action", "occurred_at")
    )
    for item_id, action, occurred_at in rows.iterator(chunk_size=5_000):
        events[item_id][action] = occurred_at  # the last derivative_created wins
    archived = [times for times in events.values() if "archived" in times]
    gaps: dict[str, list[float]] = {step: [] for step, _action in STEPS}
    without_derivatives = 0
    for times in archived:
        previous = times["received"]
        for step, action in STEPS:
            if action not in times:
                without_derivatives += action == "derivative_created"
                continue
            gaps[step].append((times[action] - previous).total_seconds())
            previous = times[action]
    if not archived:
        return gaps, {}, 0
    start = min(times["received"] for times in events.values())
    archived_at = [times["archived"] for times in archived]
    spans = {
        "first_archived": (min(archived_at) - start).total_seconds(),
        "last_archived": (max(archived_at) - start).total_seconds(),
    }
    return gaps, spans, without_derivatives


def run_ping_chains(count: int, events: TaskEvents) -> float | None:
    """Seconds for `count` chains of 6 no-op tasks (common.ping) through the same worker."""
    from celery import chain  # noqa: PLC0415

    from apps.common.tasks import ping  # noqa: PLC0415

    # Done when the task events say every ping ran (the file cache the pings write to culls at 300 keys).
    run = os.urandom(4).hex()
    steps = len(STEPS)
    started = time.perf_counter()
    for number in range(count):
        chain(*(ping.si(token=f"{run}-{number}-{step}") for step in range(steps))).apply_async()
    deadline = time.monotonic() + BASELINE_TIMEOUT_SECONDS
    while events.count("common.ping") < count * steps:
        if time.monotonic() > deadline:
            log(f"baseline: {events.count('common.ping')} of {count * steps} pings after {BASELINE_TIMEOUT_SECONDS} s")
            return None
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    log(f"baseline: {count} chains of {steps} no-op tasks in {seconds:.1f} s")
    return seconds


def run_benchmark(var_dir: Path, count: int, *, baseline: bool) -> dict[str, Any]:
    from django.db import connections  # noqa: PLC0415

    from apps.evidence.models import EvidenceItem  # noqa: PLC0415

    started = time.perf_counter()
    folder = var_dir / "jpegs"
    connections.close_all()  # the drawing processes are forked: they must not inherit an open connection
    sizes = draw_all(folder, count)
    log(
        f"drew {count} JPEGs in {time.perf_counter() - started:.1f} s: "
        f"{min(sizes) // KB}-{max(sizes) // KB} KB, mean {statistics.mean(sizes) / KB:.0f} KB"
    )
    reset_tables()
    case, user = create_case()
    events = TaskEvents()
    events.start()
    worker_log = var_dir / "worker.log"
    try:
        with celery_worker(worker_log) as worker:
            log(f"worker ready (pid {worker.pid}, {CONCURRENCY} prefork processes)")
            # The baseline first, on the idle worker: it stays measurable when the pipeline is cut short.
            baseline_seconds = run_ping_chains(BASELINE_ITEMS, events) if baseline else None
            pipeline_started = time.perf_counter()
            deadline_base = time.monotonic()
            receive_all(case, user, folder)
            receive_seconds = time.perf_counter() - pipeline_started
            log(f"received {count} items in {receive_seconds:.1f} s; waiting for the pipeline")
            archived = wait_for_pipeline(case, count, worker, worker_log, deadline_base)
            seconds = time.perf_counter() - pipeline_started
            log(f"{archived} of {count} archived after {seconds:.1f} s ({archived / seconds:.1f} items/s)")
            time.sleep(1)  # the last task events
            pipeline_events = {name: list(runs) for name, runs in list(events.runtimes.items())}
    finally:
        events.stop()
    if events.error is not None:
        log(f"task events were not captured: {events.error!r}")
    if events.failures:
        log(f"failed tasks: {events.failures[:5]}")

    gaps, spans, without_derivatives = step_gaps(case)
    mean_gap = {step: statistics.mean(values) if values else 0.0 for step, values in gaps.items()}
    gap_total = sum(mean_gap.values()) or 1.0
    runs = {step: pipeline_events.get(f"intake.{step}", []) for step, _action in STEPS}
    task_counts = {step: len(values) for step, values in runs.items()}
    # Shares of an item's worker time: mean run time per step over their sum (equal to the shares of
    # the summed run times when every item ran every step; still comparable when the run was cut short).
    mean_run = {step: statistics.mean(values) if values else 0.0 for step, values in runs.items()}
    run_total = sum(mean_run.values()) or 1.0
    busy_seconds = sum(sum(values) for values in runs.values())
    tasks = sum(task_counts.values())
    for step, _action in STEPS:
        log(
            f"  {step:12s} custody gap {mean_gap[step]:7.2f} s ({mean_gap[step] / gap_total:5.1%})   "
            f"task run time {mean_run[step] * 1000:7.1f} ms ({mean_run[step] / run_total:5.1%}, "
            f"{task_counts[step]} tasks)"
        )
    with_gps = EvidenceItem.objects.filter(case=case, extracted_latitude__isnull=False).count()
    return {
        "bench": "ingest_many",
        "items": archived,
        "items_received": count,
        "complete": archived == count,
        "workers": CONCURRENCY,
        "seconds": round(seconds, 1),
        # The work done, in items (pipeline tasks / 6): equal to archived / seconds when the run is
        # complete, and still the throughput when it was cut short (the queue runs breadth first:
        # most items are then part-way through).
        "items_per_second": round(tasks / len(STEPS) / seconds, 2),
        "archived_per_second": round(archived / seconds, 2),
        "receive_seconds": round(receive_seconds, 1),
        "first_archived_after_seconds": rounded(spans.get("first_archived")),
        "last_archived_after_seconds": rounded(spans.get("last_archived")),
        "pipeline_tasks": tasks,
        "step_share": {step: round(mean_gap[step] / gap_total, 3) for step in mean_gap},
        "step_mean_seconds": {step: round(value, 2) for step, value in mean_gap.items()},
        "step_busy_share": {step: round(mean_run[step] / run_total, 3) for step in mean_run},
        "step_task_mean_ms": {step: round(value * 1000, 1) for step, value in mean_run.items()},
        "step_tasks": task_counts,
        "worker_busy_seconds": round(busy_seconds, 1),
        "worker_utilisation": round(busy_seconds / (CONCURRENCY * seconds), 2),
        "baseline": "6 chained no-op tasks (common.ping) per item, same worker",
        "baseline_items": BASELINE_ITEMS if baseline_seconds is not None else None,
        "baseline_seconds": None if baseline_seconds is None else round(baseline_seconds, 1),
        "baseline_items_per_second": None if baseline_seconds is None else round(BASELINE_ITEMS / baseline_seconds, 1),
        "baseline_task_mean_ms": rounded(
            statistics.mean(pipeline_events["common.ping"]) * 1000 if pipeline_events.get("common.ping") else None
        ),
        # How many times slower than the queueing alone, per item.
        "ratio": None
        if baseline_seconds is None
        else round((seconds / (tasks / len(STEPS) or 1)) / (baseline_seconds / BASELINE_ITEMS), 2),
        "items_with_gps": with_gps,
        "items_without_derivatives": without_derivatives,
        "jpeg_kb_mean": round(statistics.mean(sizes) / KB),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=ITEMS, help=f"how many JPEGs (default {ITEMS})")
    parser.add_argument("--no-baseline", action="store_true", help="skip the no-op chains")
    arguments = parser.parse_args()
    url, broker = database_url(DEFAULT_DATABASE_URL), broker_url()
    stdout = sys.stdout
    exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="custos-bench-many-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        bench_environment(url, broker, var_dir)
        flush_broker(broker)
        try:
            setup_django(url)
            result = run_benchmark(Path(var_dir), arguments.items, baseline=not arguments.no_baseline)
        finally:
            flush_broker(broker)
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
