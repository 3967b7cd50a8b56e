"""Benchmark: the intake pipeline's verification of a 1 GiB file (SHA-256 and SHA-512).

Target (the intake issue): the step takes at most 1.3x the time of
`sha512sum` of the same file in the same run, since both digests run in
parallel threads (hashlib releases the GIL); the worker's peak RSS stays
under 150 MB.

What it does, all in one run against its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/custos_bench_intake, created if
missing; its case, evidence and custody rows are wiped first) and a
temporary directory (quarantine, evidence, file-system broker; removed at
the end, also on failure):

1. writes 1 GiB of random bytes (os.urandom, 64 MiB blocks) into the
   quarantine once, and receives it REPEATS times with
   apps.intake.services.evidence_receive (each item a hard link to the same
   bytes, so that every run reads the same cached pages); the pipeline's
   message goes to a throwaway file-system broker nobody consumes;
2. reads the file once, so that every run below reads from the page cache;
3. REPEATS times, interleaved: `sha512sum <file>` (the baseline, timed
   around the subprocess), `openssl dgst -sha512 <file>` (a second, stricter
   baseline: OpenSSL's SHA-512 is what hashlib uses) and
   apps.intake.services.step_verify on one item, in a fresh process that
   sets up Django, times the call and reports its own peak RSS (VmHWM:
   interpreter, Django and the step, as a worker process would hold);
4. checks that each verify recorded the SHA-512 that sha512sum printed.

Reports the medians and their ratio. Prints one JSON line on stdout;
progress goes to stderr.

`python bench/ingest_hash.py --profile` instead prints the top of a cProfile
of one step_verify call (in this process) to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import (  # bench/ is the script's folder, first on sys.path
    database_url,
    ensure_database,
    exit_on_sigterm,
    proc_status_kb,
    read_through,
    reset_tables,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_intake"

FILE_BYTES = 1024**3
WRITE_BLOCK = 64 * 1024 * 1024
REPEATS = 3
TARGET_RATIO = 1.3
TARGET_PEAK_RSS_MB = 150
CHILD_TIMEOUT_SECONDS = 120
MB = 1024 * 1024


def log(message: str) -> None:
    print(f"[ingest_hash] {message}", file=sys.stderr, flush=True)


# --- Set-up ---------------------------------------------------------------------------


def bench_environment(url: str, var_dir: str) -> None:
    """The settings' environment, also inherited by the verifying processes."""
    # Never the ambient DATABASE_URL or broker: this script wipes its database's rows.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["INTAKE_QUARANTINE_ROOT"] = str(Path(var_dir) / "quarantine")
    os.environ["EVIDENCE_ROOT"] = str(Path(var_dir) / "evidence")
    # The pipeline's message lands in a folder of the temporary directory that no worker reads.
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ.pop("REDIS_URL", None)
    os.environ["EVIDENCE_STORAGE"] = "local"
    os.environ["DEBUG"] = "0"  # no query log, production-like
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")


def setup_django(url: str, *, prepare_database: bool) -> None:
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


def write_quarantine_file() -> tuple[str, str]:
    """1 GiB of random bytes in a new quarantine file; returns (quarantine name, "sha256:<hex>")."""
    from apps.intake.quarantine import new_quarantine_name, quarantine_path  # noqa: PLC0415

    name = new_quarantine_name(prefix="bench")
    sha256 = hashlib.sha256()
    with quarantine_path(name).open("xb") as stream:
        for _ in range(FILE_BYTES // WRITE_BLOCK):
            block = os.urandom(WRITE_BLOCK)
            sha256.update(block)
            stream.write(block)
    return name, "sha256:" + sha256.hexdigest()


def receive_items(name: str, sha256: str, count: int) -> list[str]:
    """`count` evidence items received from the same bytes (hard links in the quarantine); returns their ids."""
    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.models import CaseMembership, User  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415
    from apps.intake.quarantine import new_quarantine_name, quarantine_path  # noqa: PLC0415
    from apps.intake.services import ReceivedFile, evidence_receive  # noqa: PLC0415

    user, _created = User.objects.get_or_create(username="bench-intake")
    case = Case.objects.create(reference="BENCH-HASH", title="Benchmark: verification of a 1 GiB file")
    CaseMembership.objects.create(user=user, case=case, role=CaseRole.INVESTIGATOR)
    item_ids = []
    for number in range(count):
        linked = name if number == 0 else new_quarantine_name(prefix="bench")
        if linked != name:
            quarantine_path(linked).hardlink_to(quarantine_path(name))
        item = evidence_receive(
            case=case,
            uploaded_by=user,
            received=ReceivedFile(
                quarantine_name=linked,
                sha256=sha256,
                size_bytes=FILE_BYTES,
                original_filename=f"bench-1GiB-{number}.bin",
                declared_content_type="application/octet-stream",
            ),
            via="bench",
        )
        item_ids.append(str(item.pk))
    return item_ids


# --- Measurements ----------------------------------------------------------------------


def timed_command(command: list[str]) -> tuple[float, str]:
    """Wall seconds of a command (around the subprocess) and the first word of its output."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=CHILD_TIMEOUT_SECONDS)
    seconds = time.perf_counter() - started
    output = done.stdout.strip()
    # sha512sum: "<hex>  <path>"; openssl dgst: "SHA2-512(<path>)= <hex>"
    digest = output.rsplit("= ", 1)[-1] if "= " in output else output.split()[0]
    return seconds, digest


def verify_here(item_id: str) -> dict[str, Any]:
    """Time one step_verify call in this (fresh) process; report its peak RSS and the recorded SHA-512."""
    from django.db import connection  # noqa: PLC0415

    from apps.evidence.models import EvidenceItem  # noqa: PLC0415
    from apps.intake.services import step_verify  # noqa: PLC0415

    connection.ensure_connection()
    rss_before = proc_status_kb("VmRSS")
    started = time.perf_counter()
    step_verify(item_id=item_id)
    seconds = time.perf_counter() - started
    peak = proc_status_kb("VmHWM")
    item = EvidenceItem.objects.get(pk=item_id)
    return {
        "seconds": seconds,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": peak / 1024,
        "steps": item.processing_steps,
        "status": item.processing_status,
        "sha512": item.sha512,
        "error": item.processing_error,
    }


def verify_in_fresh_process(item_id: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--verify-child", item_id]
    # The environment set up by bench_environment (database, folders) passes on to the child.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False, timeout=CHILD_TIMEOUT_SECONDS)
    if done.returncode:
        raise SystemExit(f"the verifying process failed (exit status {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "verify" not in result["steps"]:
        raise SystemExit(f"step_verify did not record the step: status {result['status']}, {result['error']!r}")
    return result


def run_benchmark() -> dict[str, Any]:
    from apps.intake.quarantine import quarantine_path  # noqa: PLC0415

    started = time.perf_counter()
    reset_tables()
    name, sha256 = write_quarantine_file()
    path = quarantine_path(name)
    item_ids = receive_items(name, sha256, REPEATS)
    log(f"wrote and received 1 GiB ({REPEATS} items, hard links) in {time.perf_counter() - started:.1f} s")
    log(f"warm-up read: {read_through(path):.2f} s")

    openssl = shutil.which("openssl")
    baseline, strict, verify = [], [], []
    for run, item_id in enumerate(item_ids, start=1):
        seconds, sha512sum = timed_command(["sha512sum", str(path)])
        baseline.append(seconds)
        if openssl:
            seconds, openssl_digest = timed_command([openssl, "dgst", "-sha512", str(path)])
            strict.append(seconds)
            if openssl_digest != sha512sum:
                raise SystemExit("openssl and sha512sum disagree on the SHA-512")
        result = verify_in_fresh_process(item_id)
        verify.append(result)
        if result["sha512"] != "sha512:" + sha512sum:
            raise SystemExit(f"step_verify recorded {result['sha512']}, sha512sum says {sha512sum}")
        log(
            f"run {run}: sha512sum {baseline[-1]:.2f} s"
            + (f", openssl sha512 {strict[-1]:.2f} s" if strict else "")
            + f", step_verify {result['seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
            f" ({result['rss_before_mb']:.0f} MB before the step)"
        )

    seconds = statistics.median(run["seconds"] for run in verify)
    baseline_seconds = statistics.median(baseline)
    ratio = seconds / baseline_seconds
    peak_rss_mb = max(run["peak_rss_mb"] for run in verify)
    strict_seconds = statistics.median(strict) if strict else None
    return {
        "bench": "ingest_hash",
        "file_mib": FILE_BYTES // MB,
        "runs": REPEATS,
        "seconds": round(seconds, 2),
        "baseline": "sha512sum",
        "baseline_seconds": round(baseline_seconds, 2),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "meets_ratio": ratio <= TARGET_RATIO,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "rss_before_step_mb": round(max(run["rss_before_mb"] for run in verify), 1),
        "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
        "meets_rss": peak_rss_mb < TARGET_PEAK_RSS_MB,
        "openssl_sha512_seconds": None if strict_seconds is None else round(strict_seconds, 2),
        "ratio_to_openssl_sha512": None if strict_seconds is None else round(seconds / strict_seconds, 2),
        "seconds_all": [round(run["seconds"], 2) for run in verify],
        "baseline_seconds_all": [round(value, 2) for value in baseline],
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def run_profile() -> dict[str, Any]:
    import cProfile  # noqa: PLC0415
    import io  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    from apps.intake.quarantine import quarantine_path  # noqa: PLC0415
    from apps.intake.services import step_verify  # noqa: PLC0415

    reset_tables()
    name, sha256 = write_quarantine_file()
    (item_id,) = receive_items(name, sha256, 1)
    read_through(quarantine_path(name))
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    step_verify(item_id=item_id)
    profiler.disable()
    seconds = time.perf_counter() - started
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    print(text.getvalue(), file=sys.stderr)
    return {"bench": "ingest_hash_profile", "profiled_seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile one step_verify in this process instead")
    parser.add_argument("--verify-child", metavar="ITEM_ID", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    url = database_url(DEFAULT_DATABASE_URL)
    stdout = sys.stdout
    if arguments.verify_child:
        # Runs inside the parent's temporary directory, with its environment.
        with contextlib.redirect_stdout(sys.stderr):
            setup_django(url, prepare_database=False)
            result = verify_here(arguments.verify_child)
        print(json.dumps(result), file=stdout, flush=True)
        return
    exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="custos-bench-hash-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        bench_environment(url, var_dir)
        setup_django(url, prepare_database=True)
        result = run_profile() if arguments.profile else run_benchmark()
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
