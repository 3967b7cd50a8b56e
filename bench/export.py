"""Benchmark: build a case bundle of 2 GiB in 200 files, against `zip -0 -r` of the same files.

Targets (the case bundles issue, #8): the builder takes at most 1.3x the time
of `zip -0 -r -q` over the same originals, with its fixity hashing (SHA-256
and SHA-512 of every file) included; its peak RSS stays under 150 MB, flat
from 200 MB to 2 GiB of evidence.

What it does, in one run against its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/custos_bench_export, created if
missing; its case, evidence and custody rows are wiped first) and a temporary
CUSTOS_VAR_DIR (evidence storage and the signing key):

1. for each size (200 MB, then 2 GiB; --quick: 2 MB then 20 MB), one case
   with FILES files of random bytes totalling that size, imported as archived
   evidence items (apps.evidence.services.evidence_import_file: stored
   content-addressed, with their "received" and "archived" custody events)
   and approved;
2. reads every original once (so that both contestants start from a warm
   page cache), then times `zip -0 -r -q` of the case's originals (a temporary
   folder of hard links to exactly those files in the evidence store);
3. times apps.exports.services.export_bundle_build in a fresh child process,
   with its peak RSS (VmHWM, reset before the build), and checks the bundle
   is done.

Sizes can be changed: --files, --small-bytes, --large-bytes (or
BENCH_EXPORT_FILES, BENCH_EXPORT_SMALL_BYTES, BENCH_EXPORT_LARGE_BYTES).
Prints one JSON line on stdout; progress goes to stderr. If `zip` is not
installed, the JSON says so and gives no ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import (  # bench/ is the script's folder, first on sys.path
    database_url,
    ensure_database,
    proc_status_kb,
    read_through,
    reset_peak_rss,
    reset_tables,
    rounded,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_export"

MB = 1024 * 1024
GIB = 1024 * MB
FILES = 200
SMALL_BYTES = 200 * MB
LARGE_BYTES = 2 * GIB
QUICK_SMALL_BYTES = 2 * MB
QUICK_LARGE_BYTES = 20 * MB
TARGET_RATIO = 1.3
TARGET_PEAK_RSS_MB = 150
WRITE_BLOCK = 8 * MB
# The larger size may cost at most this much more peak RSS to count as flat.
FLAT_MEMORY_FACTOR = 1.2


def log(message: str) -> None:
    print(f"[export] {message}", file=sys.stderr, flush=True)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


# --- Set-up ---------------------------------------------------------------------------


def setup_django(url: str, var_dir: str, *, prepare_database: bool = True) -> None:
    # Never the ambient DATABASE_URL: this script wipes its database's evidence and custody rows.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["EVIDENCE_ROOT"] = str(Path(var_dir) / "evidence")
    os.environ["EXPORT_SIGNING_KEY_FILE"] = str(Path(var_dir) / "keys" / "export-signing-key.pem")
    os.environ["DEBUG"] = "0"  # no query log, production-like
    os.environ["CUSTODY_TSA_URL"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
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


def write_signing_key(var_dir: str) -> None:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415

    path = Path(var_dir) / "keys" / "export-signing-key.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)


def file_sizes(total: int, files: int) -> list[int]:
    """Sizes that add up to ``total``, varying from 0.5x to 1.5x the mean (as real evidence does)."""
    weights = [0.5 + (index * 37 % files) / files for index in range(files)]
    scale = total / sum(weights)
    sizes = [max(1, int(weight * scale)) for weight in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def create_case(*, label: str, total: int, files: int, scratch: Path) -> tuple[Any, Any, list[Path]]:
    """A case with a lead and ``files`` archived, approved items of random bytes; returns (case, lead, originals)."""
    from django.core.files.storage import FileSystemStorage  # noqa: PLC0415

    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.models import CaseMembership, User  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415
    from apps.evidence.enums import EvidenceKind, ReviewStatus  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415
    from apps.evidence.services import evidence_import_file  # noqa: PLC0415
    from apps.evidence.storage import evidence_storage  # noqa: PLC0415

    case = Case.objects.create(reference=f"BENCH-EXPORT-{label}", title=f"Export benchmark {label}")
    lead, _ = User.objects.get_or_create(username="bench-lead", defaults={"email": ""})
    CaseMembership.objects.create(case=case, user=lead, role=CaseRole.LEAD)
    storage = evidence_storage()
    assert isinstance(storage, FileSystemStorage)  # noqa: S101 (the embedded set-up)
    started = time.perf_counter()
    originals = []
    source = scratch / "source.bin"
    for index, size in enumerate(file_sizes(total, files), start=1):
        with source.open("wb") as stream:
            left = size
            while left:
                block = os.urandom(min(WRITE_BLOCK, left))
                stream.write(block)
                left -= len(block)
        with source.open("rb") as stream:
            item = evidence_import_file(
                case=case,
                stream=stream,
                original_filename=f"video_{index:03d}.mp4",
                declared_content_type="video/mp4",
                kind=EvidenceKind.VIDEO,
                actor_system="system:bench/export",
            )
        originals.append(Path(storage.path(item.storage_name)))
    source.unlink()
    EvidenceItem.objects.filter(case=case).update(review_status=ReviewStatus.APPROVED)
    log(f"{label}: {files} files, {total / MB:,.0f} MB imported in {time.perf_counter() - started:.1f} s")
    return case, lead, originals


# --- Measurements ----------------------------------------------------------------------


def timed_zip(originals: list[Path], scratch: Path) -> float:
    """Seconds for `zip -0 -r -q` of a folder holding exactly these originals (hard links, no copy)."""
    folder = scratch / "originals"
    folder.mkdir()
    for path in originals:
        os.link(path, folder / path.name)
    target = scratch / "baseline.zip"
    started = time.perf_counter()
    subprocess.run(["zip", "-0", "-r", "-q", str(target), "originals"], cwd=scratch, check=True)
    seconds = time.perf_counter() - started
    target.unlink()
    shutil.rmtree(folder)
    return seconds


def build_here(bundle_id: str) -> dict[str, Any]:
    """One timed export_bundle_build, with the process's peak RSS (runs in a fresh child process)."""
    from django.db import connection  # noqa: PLC0415

    from apps.exports.enums import ExportStatus  # noqa: PLC0415
    from apps.exports.services import export_bundle_build  # noqa: PLC0415

    connection.ensure_connection()
    gc.collect()
    rss_before = proc_status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    started = time.perf_counter()
    bundle = export_bundle_build(bundle_id=bundle_id)
    seconds = time.perf_counter() - started
    rss_peak = proc_status_kb("VmHWM") if peak_reset else proc_status_kb("VmRSS")
    bundle.refresh_from_db()
    if bundle.status != ExportStatus.DONE:
        raise SystemExit(f"the bundle is {bundle.status}, not done: {bundle.error}")
    return {
        "seconds": seconds,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_peak / 1024,
        "size_bytes": bundle.size_bytes,
        "item_count": bundle.item_count,
    }


def build_in_fresh_process(bundle_id: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--build-child", bundle_id]
    # The environment set up by setup_django (database, settings, var dir) passes on to the child.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the building process failed (exit status {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def delete_bundle_file(bundle_id: str) -> None:
    from apps.evidence.storage import evidence_storage  # noqa: PLC0415
    from apps.exports.models import ExportBundle  # noqa: PLC0415

    bundle = ExportBundle.objects.get(pk=bundle_id)
    if bundle.storage_name:
        evidence_storage().delete(bundle.storage_name)


def measure_stage(*, label: str, total: int, files: int, scratch: Path, has_zip: bool) -> dict[str, Any]:
    from apps.exports.services import export_bundle_create  # noqa: PLC0415

    case, lead, originals = create_case(label=label, total=total, files=files, scratch=scratch)
    warm = sum(read_through(path) for path in originals)
    log(f"{label}: originals read once in {warm:.1f} s (page cache warm)")
    zip_seconds = timed_zip(originals, scratch) if has_zip else None
    if zip_seconds is not None:
        log(f"{label}: zip -0 -r in {zip_seconds:.1f} s")
    bundle = export_bundle_create(
        case=case,
        requested_by=lead,
        recipient_type="icc",
        recipient_organisation="Benchmark",
        recipient_person="",
        purpose="Benchmark",
    )
    built = build_in_fresh_process(str(bundle.pk))
    delete_bundle_file(str(bundle.pk))
    log(
        f"{label}: bundle of {built['item_count']} items, {built['size_bytes'] / MB:,.0f} MB built in "
        f"{built['seconds']:.1f} s, peak RSS {built['rss_peak_mb']:.1f} MB"
    )
    if built["item_count"] != files:
        raise SystemExit(f"{label}: the bundle holds {built['item_count']} items, expected {files}")
    return {"zip_seconds": zip_seconds, **built}


def run_benchmark(*, files: int, small: int, large: int, var_dir: str) -> dict[str, Any]:
    started = time.perf_counter()
    reset_tables()
    write_signing_key(var_dir)
    has_zip = shutil.which("zip") is not None
    if not has_zip:
        log("`zip` is not installed: no baseline, no ratio")
    stages = {}
    for label, total in (("small", small), ("large", large)):
        with tempfile.TemporaryDirectory(prefix="custos-bench-export-", dir=var_dir) as scratch:
            stages[label] = measure_stage(label=label, total=total, files=files, scratch=Path(scratch), has_zip=has_zip)

    def ratio(stage: dict[str, Any]) -> float | None:
        return None if stage["zip_seconds"] is None else round(stage["seconds"] / stage["zip_seconds"], 2)

    large_ratio = ratio(stages["large"])
    peak_small, peak_large = stages["small"]["rss_peak_mb"], stages["large"]["rss_peak_mb"]
    flat = peak_large <= FLAT_MEMORY_FACTOR * peak_small
    return {
        "bench": "export",
        "files": files,
        "bytes_small": small,
        "bytes_large": large,
        "zip_available": has_zip,
        "build_seconds": round(stages["large"]["seconds"], 2),
        "zip_seconds": rounded(stages["large"]["zip_seconds"], 2),
        "ratio": large_ratio,
        "build_seconds_small": round(stages["small"]["seconds"], 2),
        "zip_seconds_small": rounded(stages["small"]["zip_seconds"], 2),
        "ratio_small": ratio(stages["small"]),
        "target_ratio": TARGET_RATIO,
        "meets_ratio_target": None if large_ratio is None else large_ratio <= TARGET_RATIO,
        "peak_rss_mb_small": rounded(peak_small),
        "peak_rss_mb_large": rounded(peak_large),
        "rss_before_mb_large": rounded(stages["large"]["rss_before_mb"]),
        "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
        "memory_flat": flat,
        "meets_memory_target": flat and max(peak_small, peak_large) < TARGET_PEAK_RSS_MB,
        "bundle_bytes": stages["large"]["size_bytes"],
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 MB then 20 MB instead of 200 MB then 2 GiB")
    parser.add_argument("--files", type=int, default=env_int("BENCH_EXPORT_FILES", FILES))
    parser.add_argument("--small-bytes", type=int, default=env_int("BENCH_EXPORT_SMALL_BYTES", 0))
    parser.add_argument("--large-bytes", type=int, default=env_int("BENCH_EXPORT_LARGE_BYTES", 0))
    parser.add_argument("--build-child", metavar="BUNDLE_ID", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    small = arguments.small_bytes or (QUICK_SMALL_BYTES if arguments.quick else SMALL_BYTES)
    large = arguments.large_bytes or (QUICK_LARGE_BYTES if arguments.quick else LARGE_BYTES)
    url = database_url(DEFAULT_DATABASE_URL)
    stdout = sys.stdout
    if arguments.build_child:
        with contextlib.redirect_stdout(sys.stderr):
            setup_django(url, os.environ["CUSTOS_VAR_DIR"], prepare_database=False)
            result = build_here(arguments.build_child)
        print(json.dumps(result), file=stdout, flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="custos-bench-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        setup_django(url, var_dir)
        result = run_benchmark(files=arguments.files, small=small, large=large, var_dir=var_dir)
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
