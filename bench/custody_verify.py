"""Benchmark: verify 1,000,000 custody events on PostgreSQL.

Target (the custody issue): at least 50,000 events per second, streamed with
a server-side cursor, with memory flat as the count grows.

What it does, all in one run against its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/custos_bench, created if missing;
its case, evidence and custody rows are wiped first):

1. loads valid hash chains: 2,500 items x 100 events (250,000), each event's
   hash computed by apps.custody.hashing.event_hash, the events of many items
   interleaved on disk as when a real ledger fills up. Loaded as pg_restore
   does (COPY in one transaction, secondary indexes rebuilt after it);
2. makes a checkpoint (custody_checkpoint_create), so that verification
   checks one as in production;
3. baseline: streams the events with the same values_list(...).iterator(chunk_size=10_000)
   as verification, doing nothing per row;
4. times apps.custody.selectors.custody_verify() in a fresh process, with its
   peak RSS growth (VmHWM); with --tracemalloc, a second call there records
   its tracemalloc peak (about 6x slower, so not by default);
5. loads 7,500 more items (1,000,000 events in all) and repeats 3 and 4.

Memory is flat if 4x the events cost less than FLAT_MEMORY_FACTOR x the peak.
Prints one JSON line on stdout; progress goes to stderr.

`python bench/custody_verify.py --profile` instead loads 100,000 events and
prints the top of a cProfile of one custody_verify() call to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _support import (  # bench/ is the script's folder, first on sys.path
    database_url,
    ensure_database,
    proc_status_kb,
    reset_peak_rss,
    reset_tables,
    rounded,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench"

TARGET_EVENTS_PER_SECOND = 50_000
EVENTS_PER_ITEM = 100
ITEMS_FIRST = 2_500  # 250,000 events
ITEMS_TOTAL = 10_000  # 1,000,000 events
ITEMS_PER_CASE = 1_000
PROFILE_ITEMS = 1_000  # 100,000 events
LOAD_CHUNK_ITEMS = 250  # items whose chains a worker generates at a time
STREAM_CHUNK = 10_000
# 4x the events may cost at most this much more peak memory to count as flat.
# (The per-item chain heads do grow with the number of items.)
FLAT_MEMORY_FACTOR = 1.5
MB = 1024 * 1024

EVENT_COLUMNS = (
    "item_id",
    "sequence",
    "action",
    "actor",
    "actor_user_id",
    "occurred_at",
    "details",
    "prev_hash",
    "event_hash",
)
COPY_SQL = f"COPY custody_custodyevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
BASE_TIME = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)


def log(message: str) -> None:
    print(f"[custody_verify] {message}", file=sys.stderr, flush=True)


# --- Set-up ---------------------------------------------------------------------------


def setup_django(url: str, var_dir: str, *, prepare_database: bool = True) -> None:
    # Never the ambient DATABASE_URL: this script wipes its database's custody rows.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "0"  # no query log, production-like
    os.environ["CUSTODY_TSA_URL"] = ""  # checkpoints without a network round trip
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if prepare_database:
        ensure_database(url)

    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    if prepare_database:
        call_command("migrate", interactive=False, verbosity=0)


# --- Data ------------------------------------------------------------------------------


def create_items(count: int) -> list[str]:
    """Cases of ITEMS_PER_CASE items each, and `count` evidence items; returns the item ids."""
    from apps.cases.models import Case  # noqa: PLC0415
    from apps.evidence.enums import EvidenceKind  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415

    case_count = -(-count // ITEMS_PER_CASE)
    cases = Case.objects.bulk_create(
        Case(reference=f"BENCH-{index:04d}", title=f"Benchmark case {index}") for index in range(1, case_count + 1)
    )
    kinds = [EvidenceKind.IMAGE, EvidenceKind.VIDEO, EvidenceKind.DOCUMENT, EvidenceKind.AUDIO]
    items = EvidenceItem.objects.bulk_create(
        (
            EvidenceItem(
                case=cases[index // ITEMS_PER_CASE],
                number=index % ITEMS_PER_CASE + 1,
                kind=kinds[index % len(kinds)],
            )
            for index in range(count)
        ),
        batch_size=2_000,
    )
    return [str(item.pk) for item in items]


def bench_users() -> list[tuple[int, str]]:
    from apps.accounts.models import User  # noqa: PLC0415

    users = []
    for name in ("bench-analyst", "bench-lead", "bench-reviewer"):
        user, created = User.objects.get_or_create(username=name)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append((user.pk, f"user:{user.username}"))
    return users


def describe_event(
    sequence: int, digest: str, users: list[tuple[int, str]], rng: random.Random
) -> tuple[str, str, int | None, dict[str, Any]]:
    """(action, actor, actor_user_id, details) of an item's n-th event: intake, processing, then use and fixity."""
    user_id, user_actor = users[sequence % len(users)]
    actor, actor_user_id = "system:custos-worker/0.1.0", None
    details: dict[str, Any]
    if sequence == 1:
        action, actor, actor_user_id = "received", user_actor, user_id
        details = {
            "sha256": digest,
            "size_bytes": rng.randrange(10_000, 200_000_000),
            "original_filename": f"фото_{rng.randrange(10_000):04d}.jpg",
            "tool": "hashlib",
        }
    elif sequence == 2:
        action, details = "verified", {"sha256": digest, "client_sha256": digest, "tool": "hashlib"}
    elif sequence == 3:
        action, details = "identified", {"content_type": "image/jpeg", "tool": "python-magic"}
    elif sequence == 4:
        action, details = "metadata_extracted", {"fields": rng.randrange(5, 60), "tool": "exiftool"}
    elif sequence == 5:
        action, details = "archived", {"storage_name": f"{digest[7:9]}/{digest[9:11]}/{digest[7:]}"}
    elif sequence % 4 == 0:
        action, actor, details = "fixity_passed", "system:fixity/0.1.0", {"sha256": digest, "tool": "hashlib"}
    else:
        action, actor, actor_user_id = ("viewed", "downloaded", "exported")[sequence % 4 - 1], user_actor, user_id
        details = {
            "viewed": {},
            "downloaded": {"format": "original", "purpose": "review"},
            "exported": {"export": str(uuid.UUID(int=rng.getrandbits(128))), "sha256": digest},
        }[action]
    return action, actor, actor_user_id, details


def chain_rows(
    item_ids: list[str], events_per_item: int, users: list[tuple[int, str]], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """Valid chains of the given items, interleaved in time (round after round over the items)."""
    from apps.custody.hashing import GENESIS_HASH, event_hash  # noqa: PLC0415

    digests = ["sha256:" + hashlib.sha256(item_id.encode()).hexdigest() for item_id in item_ids]
    heads = [GENESIS_HASH] * len(item_ids)
    spacing = 3_000 / max(len(item_ids), 1)  # every round of events fits in its hour
    for sequence in range(1, events_per_item + 1):
        for index, item_id in enumerate(item_ids):
            action, actor, actor_user_id, details = describe_event(sequence, digests[index], users, rng)
            occurred_at = BASE_TIME + timedelta(
                hours=sequence, seconds=index * spacing, microseconds=rng.randrange(1_000_000)
            )
            prev_hash = heads[index]
            digest = event_hash(
                item_id=item_id,
                sequence=sequence,
                action=action,
                actor=actor,
                actor_user_id=actor_user_id,
                occurred_at=occurred_at,
                details=details,
                prev_hash=prev_hash,
            )
            heads[index] = digest
            yield (
                item_id,
                sequence,
                action,
                actor,
                actor_user_id,
                occurred_at,
                json.dumps(details, ensure_ascii=False),
                prev_hash,
                digest,
            )


def copy_text(value: Any) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_block(task: tuple[list[str], list[tuple[int, str]], int]) -> tuple[int, bytes]:
    """The chains of some items as COPY text (runs in a worker process): (rows, data)."""
    item_ids, users, seed = task
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    lines = ["\t".join(map(copy_text, row)) for row in chain_rows(item_ids, EVENTS_PER_ITEM, users, rng)]
    return len(lines), ("\n".join(lines) + "\n").encode("utf-8")


def lift_foreign_key_checks(cursor: Any) -> None:
    """Skip the per-row foreign-key triggers for this transaction, as pg_restore does (superusers only)."""
    from django.db import DatabaseError, transaction  # noqa: PLC0415

    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        log("not a superuser: the foreign keys are checked row by row (slower load)")


def drop_secondary_indexes(cursor: Any) -> list[str]:
    """Drop the event table's indexes but its primary key; return the statements that re-create them as they were."""
    from django.db import connection  # noqa: PLC0415

    table = "custody_custodyevent"
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    unique = cursor.fetchall()
    cursor.execute(
        "SELECT index_class.relname, pg_get_indexdef(index.indexrelid) FROM pg_index AS index "
        "JOIN pg_class AS index_class ON index_class.oid = index.indexrelid "
        "WHERE index.indrelid = %s::regclass AND NOT index.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.indexrelid)",
        [table],
    )
    plain = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, _definition in unique:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _definition in plain:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return [definition for _name, definition in plain] + [
        f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}" for name, definition in unique
    ]


def load_events(item_ids: list[str], users: list[tuple[int, str]], seed: int) -> int:
    """Load valid chains of these items, then VACUUM ANALYZE.

    Loaded as pg_restore would: one transaction that drops the secondary
    indexes, COPYs the rows (generated by one worker process a core) and
    builds the indexes again, so a failure leaves the schema as it was.
    """
    from django.db import connection, connections, transaction  # noqa: PLC0415

    workers = max(1, min(2, os.cpu_count() or 1))
    tasks = [
        (item_ids[start : start + LOAD_CHUNK_ITEMS], users, seed + number)
        for number, start in enumerate(range(0, len(item_ids), LOAD_CHUNK_ITEMS))
    ]
    count = 0
    connections.close_all()  # the workers are forked: they must not inherit an open connection
    pool = multiprocessing.get_context("fork").Pool(workers)  # forked before the transaction opens
    marks = [time.perf_counter()]
    with pool, transaction.atomic(), connection.cursor() as cursor:
        lift_foreign_key_checks(cursor)
        recreate = drop_secondary_indexes(cursor)
        with cursor.copy(COPY_SQL) as copy:
            for rows, data in pool.imap_unordered(copy_block, tasks):
                copy.write(data)
                count += rows
        marks.append(time.perf_counter())
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sort each index in memory
        for statement in recreate:
            cursor.execute(statement)
    marks.append(time.perf_counter())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) custody_custodyevent")
    marks.append(time.perf_counter())
    generate, index, vacuum = (later - earlier for earlier, later in itertools.pairwise(marks))
    log(f"{count:,} events: generated and copied in {generate:.1f} s, indexes {index:.1f} s, vacuum {vacuum:.1f} s")
    return count


# --- Measurements ----------------------------------------------------------------------


def check_report(report: Any, *, events: int, items: int) -> None:
    if not report.ok or report.events_checked != events or report.items_checked != items:
        raise SystemExit(
            f"custody_verify failed: ok={report.ok} events_checked={report.events_checked} (expected {events}) "
            f"items_checked={report.items_checked} (expected {items}) first_break={report.first_break} "
            f"checkpoint_problems={report.checkpoint_problems[:3]}"
        )
    if report.checkpoint_id is None:
        raise SystemExit("custody_verify did not check the checkpoint")


def verify_here(*, events: int, items: int, trace: bool) -> dict[str, float]:
    """One timed custody_verify() call with its peak RSS growth; with `trace`, a second call under tracemalloc.

    Runs in a fresh process (see verify_in_fresh_process), so that the RSS
    peak is not hidden by memory that earlier work freed but kept.
    """
    from django.db import connection  # noqa: PLC0415

    from apps.custody.selectors import custody_verify  # noqa: PLC0415

    connection.ensure_connection()
    gc.collect()
    rss_before = proc_status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    started = time.perf_counter()
    report = custody_verify()
    seconds = time.perf_counter() - started
    rss_peak = proc_status_kb("VmHWM") if peak_reset else proc_status_kb("VmRSS")
    check_report(report, events=events, items=items)
    result = {"seconds": seconds, "rss_before_mb": rss_before / 1024, "rss_growth_mb": (rss_peak - rss_before) / 1024}
    if trace:
        del report
        gc.collect()
        tracemalloc.start()
        try:
            baseline, _ = tracemalloc.get_traced_memory()
            report = custody_verify()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        check_report(report, events=events, items=items)
        result["tracemalloc_peak_mb"] = (peak - baseline) / MB
    return result


def verify_in_fresh_process(*, events: int, items: int, trace: bool) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--verify-child", str(events), str(items)]
    if trace:
        command.append("--tracemalloc")
    # The environment set up by setup_django (database, settings) passes on to the child.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the verifying process failed (exit status {done.returncode})")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def timed_stream(*, events: int) -> float:
    """Seconds to stream the events as verification does, doing nothing per row (the baseline)."""
    from apps.custody.models import CustodyEvent  # noqa: PLC0415

    gc.collect()
    rows = CustodyEvent.objects.order_by("item_id", "sequence").values_list(*EVENT_COLUMNS)
    count = 0
    started = time.perf_counter()
    for _row in rows.iterator(chunk_size=STREAM_CHUNK):
        count += 1
    seconds = time.perf_counter() - started
    if count != events:
        raise SystemExit(f"streamed {count} events, expected {events}")
    return seconds


def make_checkpoint(items: int) -> None:
    from apps.custody.services import custody_checkpoint_create  # noqa: PLC0415

    started = time.perf_counter()
    checkpoint = custody_checkpoint_create(force=True)
    if checkpoint.leaf_count != items:
        raise SystemExit(f"checkpoint has {checkpoint.leaf_count} leaves, expected {items}")
    log(f"checkpoint over {items:,} chains in {time.perf_counter() - started:.1f} s")


def measure_stage(events: int, items: int, *, trace: bool) -> dict[str, float]:
    stream_seconds = timed_stream(events=events)
    log(f"{events:,} events: streamed in {stream_seconds:.1f} s")
    verified = verify_in_fresh_process(events=events, items=items, trace=trace)
    log(
        f"{events:,} events: verified in {verified['seconds']:.1f} s ({events / verified['seconds']:,.0f}/s), "
        f"peak RSS growth {verified['rss_growth_mb']:.1f} MB"
        + (f", tracemalloc peak {verified['tracemalloc_peak_mb']:.1f} MB" if trace else "")
    )
    return {"stream_seconds": stream_seconds, **verified}


# --- Runs ------------------------------------------------------------------------------


def run_benchmark(*, trace: bool) -> dict[str, Any]:
    started = time.perf_counter()
    reset_tables()
    users = bench_users()
    item_ids = create_items(ITEMS_TOTAL)
    first, rest = item_ids[:ITEMS_FIRST], item_ids[ITEMS_FIRST:]

    load_started = time.perf_counter()
    events_small = load_events(first, users, seed=1)
    load_seconds = time.perf_counter() - load_started
    log(f"loaded {events_small:,} events in {load_seconds:.1f} s")
    # One checkpoint, over the first 2,500 chains: both verifications check it, the
    # second one as between two hourly checkpoints (its heads are no longer the latest).
    make_checkpoint(len(first))
    small = measure_stage(events_small, len(first), trace=trace)

    load_started = time.perf_counter()
    events = events_small + load_events(rest, users, seed=101)
    load_seconds += time.perf_counter() - load_started
    log(f"loaded up to {events:,} events, {load_seconds:.1f} s of loading in all")
    large = measure_stage(events, len(item_ids), trace=trace)

    # 4x the events; flat if the peak grows by less than FLAT_MEMORY_FACTOR.
    # Measured: RSS always, tracemalloc (Python heap) when asked for.
    flat = large["rss_growth_mb"] <= FLAT_MEMORY_FACTOR * max(small["rss_growth_mb"], 1.0)
    if trace:
        flat = flat and large["tracemalloc_peak_mb"] <= FLAT_MEMORY_FACTOR * small["tracemalloc_peak_mb"]
    return {
        "bench": "custody_verify",
        "events": events,
        "events_per_second": round(events / large["seconds"]),
        "events_per_second_250k": round(events_small / small["seconds"]),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "meets_target": events / large["seconds"] >= TARGET_EVENTS_PER_SECOND,
        "verify_seconds": round(large["seconds"], 2),
        "stream_only_seconds": round(large["stream_seconds"], 2),
        "ratio_to_stream": round(large["seconds"] / large["stream_seconds"], 2),
        "verify_seconds_250k": round(small["seconds"], 2),
        "stream_only_seconds_250k": round(small["stream_seconds"], 2),
        "ratio_to_stream_250k": round(small["seconds"] / small["stream_seconds"], 2),
        "rss_peak_growth_mb_250k": rounded(small["rss_growth_mb"]),
        "rss_peak_growth_mb_1m": rounded(large["rss_growth_mb"]),
        "tracemalloc_peak_mb_250k": rounded(small.get("tracemalloc_peak_mb")),
        "tracemalloc_peak_mb_1m": rounded(large.get("tracemalloc_peak_mb")),
        "memory_flat": flat,
        "load_seconds": round(load_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def run_profile() -> dict[str, Any]:
    import cProfile  # noqa: PLC0415
    import io  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    from apps.custody.selectors import custody_verify  # noqa: PLC0415

    reset_tables()
    users = bench_users()
    item_ids = create_items(PROFILE_ITEMS)
    events = load_events(item_ids, users, seed=1)
    make_checkpoint(len(item_ids))
    timed_stream(events=events)  # warm the caches
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    report = custody_verify()
    profiler.disable()
    seconds = time.perf_counter() - started
    check_report(report, events=events, items=len(item_ids))
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(15)
    print(text.getvalue(), file=sys.stderr)
    return {
        "bench": "custody_verify_profile",
        "events": events,
        "profiled_seconds": round(seconds, 2),
        "profiled_events_per_second": round(events / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile one verify of 100,000 events instead")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace each verify's Python heap peak (about 6x slower)"
    )
    parser.add_argument("--verify-child", nargs=2, type=int, metavar=("EVENTS", "ITEMS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    url = database_url(DEFAULT_DATABASE_URL)
    stdout = sys.stdout
    with tempfile.TemporaryDirectory(prefix="custos-bench-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        if arguments.verify_child:
            setup_django(url, var_dir, prepare_database=False)
            events, items = arguments.verify_child
            result: dict[str, Any] = verify_here(events=events, items=items, trace=arguments.tracemalloc)
        else:
            setup_django(url, var_dir)
            result = run_profile() if arguments.profile else run_benchmark(trace=arguments.tracemalloc)
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
