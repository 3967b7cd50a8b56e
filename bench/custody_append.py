"""Benchmark: custody appends per second with 8 concurrent writers.

Each writer is a thread with its own database connection that appends
APPENDS_PER_WRITER events through the real apps.custody.services.custody_record:

- distinct: every writer appends to its own evidence item;
- one item: all writers append to the same item, so they queue on its row lock.

After each scenario the chains are checked: custody_verify(item_id=...) is ok,
the sequences run 1..N without a gap, and no two events link to the same
predecessor (no fork).

Baseline, same run: the same 8 threads each doing as many plain single-row
INSERTs (autocommit, one transaction each) of a CustodyEvent-shaped row into
a scratch table with the same columns and indexes (no row lock, no head
read, no hash, no ORM). The ratios are seconds / baseline_seconds, as
elsewhere under bench/: how many plain inserts' time one append costs.

The rounds are interleaved (baseline, distinct, one item, again) and each
figure is the median of its rounds, since the machine is shared and noisy.
Database: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/custos_bench
(created if missing; its case, evidence and custody rows are wiped first).
Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _support import database_url, ensure_database, reset_tables  # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench"

WRITERS = 8
APPENDS_PER_WRITER = 300
ROUNDS = 3
ACTOR = "system:bench/1"
BASELINE_TABLE = "bench_custody_append_baseline"


def log(message: str) -> None:
    print(f"[custody_append] {message}", file=sys.stderr, flush=True)


# --- Set-up ---------------------------------------------------------------------------


def setup_django(url: str, var_dir: str) -> None:
    # Never the ambient DATABASE_URL: this script wipes its database's custody rows.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "0"  # no query log, production-like
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def create_baseline_table() -> None:
    """A scratch table shaped like the event table: same columns, indexes and checks; no foreign keys or triggers."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} (LIKE custody_custodyevent INCLUDING ALL)")


def drop_baseline_table() -> None:
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")


def create_items(count: int, round_number: int) -> list[Any]:
    from apps.cases.models import Case  # noqa: PLC0415
    from apps.evidence.enums import EvidenceKind  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415

    case = Case.objects.create(reference=f"BENCH-APPEND-{round_number}", title="Append benchmark")
    return [EvidenceItem.objects.create(case=case, number=number, kind=EvidenceKind.IMAGE) for number in range(count)]


# --- Writers ---------------------------------------------------------------------------


def run_writers(work: Callable[[int, int], None], prepare: Callable[[int], None] | None = None) -> tuple[float, float]:
    """Run WRITERS threads, each calling work(writer, n) for n < APPENDS_PER_WRITER on its own connection.

    Returns (wall seconds from the common start to the last finish, 95th-percentile seconds of one call).
    """
    from django.db import connection  # noqa: PLC0415

    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        mine: list[float] = []
        try:
            connection.ensure_connection()  # connect before the clock starts
            if prepare is not None:
                prepare(number)
            start.wait()
            for n in range(APPENDS_PER_WRITER):
                began = time.perf_counter()
                work(number, n)
                mine.append(time.perf_counter() - began)
        except Exception as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)
            start.abort()
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=writer, args=(number,), name=f"writer-{number}") for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise SystemExit(f"a writer failed: {errors[0]!r}")
    return seconds, statistics.quantiles(latencies, n=20)[-1]


def append_scenario(items: list[Any]) -> tuple[float, float]:
    """Writer w appends to items[w % len(items)] through custody_record."""
    from apps.custody.enums import CustodyAction  # noqa: PLC0415
    from apps.custody.services import custody_record  # noqa: PLC0415

    def work(writer: int, n: int) -> None:
        custody_record(
            item=items[writer % len(items)],
            action=CustodyAction.VIEWED,
            actor_system=ACTOR,
            details={"writer": writer, "n": n, "tool": "bench"},
        )

    return run_writers(work)


def baseline_scenario(round_number: int) -> tuple[float, float]:
    """Plain single-row INSERTs of CustodyEvent-shaped rows, each its own transaction."""
    import uuid  # noqa: PLC0415

    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from apps.custody.hashing import GENESIS_HASH  # noqa: PLC0415

    item_ids = [uuid.uuid4() for _ in range(WRITERS)]
    statement = (
        f"INSERT INTO {BASELINE_TABLE} (item_id, sequence, action, actor, actor_user_id, occurred_at, details, "  # noqa: S608 (a constant)
        "prev_hash, event_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )

    def row_hash(writer: int, n: int) -> str:
        return "sha256:" + hashlib.sha256(f"{round_number}:{writer}:{n}".encode()).hexdigest()

    def work(writer: int, n: int) -> None:
        details = json.dumps({"writer": writer, "n": n, "tool": "bench"})
        prev_hash = row_hash(writer, n - 1) if n else GENESIS_HASH
        with connection.cursor() as cursor:
            cursor.execute(
                statement,
                [
                    item_ids[writer],
                    n + 1,
                    "viewed",
                    ACTOR,
                    None,
                    timezone.now(),
                    details,
                    prev_hash,
                    row_hash(writer, n),
                ],
            )

    return run_writers(work)


def check_chain(item: Any, expected: int) -> None:
    """The item's chain verifies, and holds exactly events 1..expected, each linking to a distinct predecessor."""
    from apps.custody.models import CustodyEvent  # noqa: PLC0415
    from apps.custody.selectors import custody_verify  # noqa: PLC0415

    report = custody_verify(item_id=item.pk)
    if not report.ok or report.events_checked != expected:
        raise SystemExit(
            f"item {item.pk}: custody_verify ok={report.ok} events_checked={report.events_checked} "
            f"(expected {expected}) first_break={report.first_break}"
        )
    events = CustodyEvent.objects.filter(item_id=item.pk)
    sequences = list(events.order_by("sequence").values_list("sequence", flat=True))
    if sequences != list(range(1, expected + 1)):
        raise SystemExit(f"item {item.pk}: sequences are not 1..{expected} (a gap or a duplicate)")
    if len(set(events.values_list("prev_hash", flat=True))) != expected:
        raise SystemExit(f"item {item.pk}: two events link to the same predecessor (a fork)")


# --- Run -------------------------------------------------------------------------------


def run_benchmark() -> dict[str, Any]:
    started = time.perf_counter()
    reset_tables()
    create_baseline_table()
    appends = WRITERS * APPENDS_PER_WRITER
    rates: dict[str, list[float]] = {"baseline": [], "distinct": [], "one_item": []}
    p95: dict[str, list[float]] = {"baseline": [], "distinct": [], "one_item": []}
    try:
        for round_number in range(1, ROUNDS + 1):
            seconds, slowest = baseline_scenario(round_number)
            rates["baseline"].append(appends / seconds)
            p95["baseline"].append(slowest)

            items = create_items(WRITERS + 1, round_number)
            distinct, shared = items[:WRITERS], items[WRITERS]
            seconds, slowest = append_scenario(distinct)
            for item in distinct:
                check_chain(item, APPENDS_PER_WRITER)
            rates["distinct"].append(appends / seconds)
            p95["distinct"].append(slowest)

            seconds, slowest = append_scenario([shared])
            check_chain(shared, appends)
            rates["one_item"].append(appends / seconds)
            p95["one_item"].append(slowest)
            log(
                f"round {round_number}: "
                + ", ".join(
                    f"{name} {values[-1]:,.0f}/s (p95 {p95[name][-1] * 1000:.1f} ms)" for name, values in rates.items()
                )
            )
    finally:
        drop_baseline_table()
    baseline = statistics.median(rates["baseline"])
    distinct_rate = statistics.median(rates["distinct"])
    one_item_rate = statistics.median(rates["one_item"])
    return {
        "bench": "custody_append",
        "writers": WRITERS,
        "appends_per_writer": APPENDS_PER_WRITER,
        "rounds": ROUNDS,
        "appends_per_second_distinct": round(distinct_rate),
        "appends_per_second_one_item": round(one_item_rate),
        "baseline_inserts_per_second": round(baseline),
        "ratio_distinct_to_baseline": round(baseline / distinct_rate, 2),
        "ratio_one_item_to_baseline": round(baseline / one_item_rate, 2),
        "p95_ms_distinct": round(statistics.median(p95["distinct"]) * 1000, 1),
        "p95_ms_one_item": round(statistics.median(p95["one_item"]) * 1000, 1),
        "p95_ms_baseline": round(statistics.median(p95["baseline"]) * 1000, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    url = database_url(DEFAULT_DATABASE_URL)
    stdout = sys.stdout
    with tempfile.TemporaryDirectory(prefix="custos-bench-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        setup_django(url, var_dir)
        result = run_benchmark()
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
