"""Benchmark: upload of a 1 GiB file through the HTTP API, served by gunicorn.

Target (the intake issue): the upload takes at most 2x the time of
`sha256sum` of the same file in the same run; the server's peak RSS stays
under 120 MB.

What it does, all in one run against its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/custos_bench_intake, created if
missing; its case, evidence and custody rows are wiped first) and a
temporary directory (the file, quarantine, evidence, file-system broker;
removed at the end, also on failure):

1. writes 1 GiB of random bytes (os.urandom, 64 MiB blocks) and reads it
   once, so that every read below comes from the page cache;
2. starts `gunicorn config.wsgi --workers 1 --threads 2` on a spare local
   port (DEBUG off, plain static files storage so that the login page
   renders without collectstatic, the pipeline's messages going to a
   file-system broker nobody consumes, so that only the upload is measured);
3. creates a case with an investigator and signs in through the login page
   with requests.Session (csrftoken cookie, then the form);
4. REPEATS times, interleaved: `sha256sum <file>` (the baseline, timed
   around the subprocess), `openssl dgst -sha256 <file>` (a stricter
   baseline: OpenSSL's SHA-256 is what hashlib uses) and one POST of the file as multipart/form-data to
   /api/v1/cases/<case>/evidence/, the body streamed from disk in 1 MiB
   chunks by a generator (never whole in the client's memory), timed around
   the request; the 201 response's SHA-256 must equal sha256sum's;
5. reads the peak RSS (VmHWM) of the gunicorn master and its workers before
   stopping them. Signing in hashes the password with Argon2 (memory cost
   100 MiB), so the peaks are read after signing in (reported as
   server_peak_rss_mb_sign_in) and then reset (/proc/<pid>/clear_refs), so
   that server_peak_rss_mb, the figure held to the target, is the uploads'.

Reports the medians and their ratio. Prints one JSON line on stdout;
progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from _support import (  # bench/ is the script's folder, first on sys.path
    database_url,
    ensure_database,
    exit_on_sigterm,
    read_through,
    reset_peak_rss,
    reset_tables,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_intake"

FILE_BYTES = 1024**3
WRITE_BLOCK = 64 * 1024 * 1024
SEND_CHUNK = 1024 * 1024
REPEATS = 2
TARGET_RATIO = 2.0
TARGET_SERVER_PEAK_RSS_MB = 120
SERVER_START_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 180
USERNAME = "bench-uploader"
MB = 1024 * 1024


def log(message: str) -> None:
    print(f"[upload] {message}", file=sys.stderr, flush=True)


# --- Set-up ---------------------------------------------------------------------------


def bench_environment(url: str, var_dir: str) -> None:
    """The settings' environment, also inherited by gunicorn."""
    # Never the ambient DATABASE_URL or broker: this script wipes its database's rows.
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = var_dir
    os.environ["INTAKE_QUARANTINE_ROOT"] = str(Path(var_dir) / "quarantine")
    os.environ["EVIDENCE_ROOT"] = str(Path(var_dir) / "evidence")
    os.environ["STATIC_ROOT"] = str(Path(var_dir) / "static")
    (Path(var_dir) / "static").mkdir()
    # The login page's {% static %} without a collectstatic manifest.
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    # The pipeline's messages land in a folder of the temporary directory that no worker reads.
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ.pop("REDIS_URL", None)
    os.environ["EVIDENCE_STORAGE"] = "local"
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["SECURE_COOKIES"] = "0"  # the session cookie over plain http
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


def create_case_and_investigator() -> tuple[str, str]:
    """A case with one investigator who can sign in; returns (case id, password)."""
    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.models import CaseMembership, User  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415

    password = secrets.token_urlsafe(24)
    user, _created = User.objects.get_or_create(username=USERNAME)
    user.set_password(password)
    user.is_active = True
    user.save()
    case = Case.objects.create(reference="BENCH-UPLOAD", title="Benchmark: upload of a 1 GiB file")
    CaseMembership.objects.create(user=user, case=case, role=CaseRole.INVESTIGATOR)
    return str(case.pk), password


def write_file(path: Path) -> None:
    with path.open("xb") as stream:
        for _ in range(FILE_BYTES // WRITE_BLOCK):
            stream.write(os.urandom(WRITE_BLOCK))


# --- The server -------------------------------------------------------------------------


def spare_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run gunicorn (1 worker, 2 threads) until the block ends; its output goes to log_path."""
    import requests  # noqa: PLC0415

    executable = Path(sys.executable).parent / "gunicorn"
    command = [str(executable), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    with log_path.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code < 500:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer within {SERVER_START_TIMEOUT_SECONDS} s")
            time.sleep(0.2)
        yield server
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the process group this script started (gunicorn and its workers)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def status_kb(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def server_pids(master: int) -> dict[str, int]:
    """The gunicorn master and its children (the workers): {"master": pid, "worker <pid>": pid, ...}."""
    children_file = Path(f"/proc/{master}/task/{master}/children")
    children = [int(pid) for pid in children_file.read_text().split()] if children_file.exists() else []
    return {"master": master, **{f"worker {pid}": pid for pid in children}}


def server_memory_mb(master: int, field: str) -> dict[str, float]:
    """VmHWM (peak) or VmRSS of the gunicorn master and of each of its workers, in MB."""
    return {name: status_kb(pid, field) / 1024 for name, pid in server_pids(master).items()}


# --- The client -------------------------------------------------------------------------


class MultipartFileBody:
    """A multipart/form-data body of one file field, read from disk chunk by chunk as it is sent.

    Has a length, so requests sends a Content-Length (not chunked transfer
    encoding, which WSGI servers hand to Django without a length).
    """

    def __init__(self, path: Path, *, field: str, filename: str, content_type: str) -> None:
        self.path = path
        self.boundary = "custos-bench-" + secrets.token_hex(16)
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = path.stat().st_size

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        stream: IO[bytes]
        with self.path.open("rb") as stream:
            while chunk := stream.read(SEND_CHUNK):
                yield chunk
        yield self.tail


def signed_in_session(base: str, password: str) -> Any:
    """A requests.Session signed in through the login page, as a browser would."""
    import requests  # noqa: PLC0415

    session = requests.Session()
    login_url = f"{base}/accounts/login/"
    page = session.get(login_url, timeout=30)
    page.raise_for_status()
    token = session.cookies.get("csrftoken")
    if not token:
        raise SystemExit("the login page set no csrftoken cookie")
    answer = session.post(
        login_url,
        data={"username": USERNAME, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"signing in failed: HTTP {answer.status_code}")
    return session


def timed_upload(session: Any, base: str, case_id: str, path: Path) -> tuple[float, dict[str, Any]]:
    url = f"{base}/api/v1/cases/{case_id}/evidence/"
    body = MultipartFileBody(path, field="file", filename="bench-1GiB.bin", content_type="application/octet-stream")
    headers = {
        "Content-Type": body.content_type,
        "X-CSRFToken": session.cookies.get("csrftoken"),  # rotated at sign-in
        "Referer": f"{base}/",
    }
    started = time.perf_counter()
    answer = session.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
    seconds = time.perf_counter() - started
    if answer.status_code != 201:
        raise SystemExit(f"upload answered HTTP {answer.status_code}: {answer.text[:500]}")
    return seconds, answer.json()


def timed_digest(command: list[str]) -> tuple[float, str]:
    """Wall seconds of a hashing command (around the subprocess) and the hex digest it printed."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    output = done.stdout.strip()
    # sha256sum: "<hex>  <path>"; openssl dgst: "SHA2-256(<path>)= <hex>"
    return seconds, output.rsplit("= ", 1)[-1] if "= " in output else output.split()[0]


def run_benchmark(var_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    reset_tables()
    case_id, password = create_case_and_investigator()
    source = var_dir / "upload-source.bin"
    write_file(source)
    log(f"wrote 1 GiB in {time.perf_counter() - started:.1f} s; warm-up read {read_through(source):.2f} s")

    port = spare_port()
    base = f"http://127.0.0.1:{port}"
    server_log = var_dir / "gunicorn.log"
    openssl = shutil.which("openssl")
    baseline: list[float] = []
    strict: list[float] = []
    uploads: list[float] = []
    with gunicorn(port, server_log) as server:
        session = signed_in_session(base, password)
        # Signing in hashes the password with Argon2 (memory cost 100 MiB): its peak is reported
        # apart, then the peaks are reset so that they measure the uploads alone.
        sign_in_peaks = server_memory_mb(server.pid, "VmHWM")
        idle = server_memory_mb(server.pid, "VmRSS")
        peaks_reset = all([reset_peak_rss(pid) for pid in server_pids(server.pid).values()] + [reset_peak_rss("self")])
        log(
            f"gunicorn on port {port} (master pid {server.pid}); signed in as {USERNAME}; "
            + ", ".join(f"{name}: RSS {idle[name]:.0f} MB, peak so far {sign_in_peaks[name]:.0f} MB" for name in idle)
        )
        for run in range(1, REPEATS + 1):
            seconds, digest = timed_digest(["sha256sum", str(source)])
            baseline.append(seconds)
            if openssl:
                seconds, openssl_digest = timed_digest([openssl, "dgst", "-sha256", str(source)])
                strict.append(seconds)
                if openssl_digest != digest:
                    raise SystemExit("openssl and sha256sum disagree on the SHA-256")
            seconds, answer = timed_upload(session, base, case_id, source)
            uploads.append(seconds)
            (item,) = answer["items"]
            if item["sha256"] != "sha256:" + digest or item["size_bytes"] != FILE_BYTES:
                raise SystemExit(f"the server received {item['sha256']} ({item['size_bytes']} bytes), not {digest}")
            log(
                f"run {run}: sha256sum {baseline[-1]:.2f} s"
                + (f", openssl sha256 {strict[-1]:.2f} s" if strict else "")
                + f", upload {uploads[-1]:.2f} s ({item['reference']})"
            )
        peaks = server_memory_mb(server.pid, "VmHWM")
        client_peak = status_kb(os.getpid(), "VmHWM") / 1024
        session.close()
    log("server peak RSS: " + ", ".join(f"{name} {value:.0f} MB" for name, value in peaks.items()))

    seconds = statistics.median(uploads)
    baseline_seconds = statistics.median(baseline)
    ratio = seconds / baseline_seconds
    server_peak = max(peaks.values())
    return {
        "bench": "upload",
        "file_mib": FILE_BYTES // MB,
        "runs": REPEATS,
        "seconds": round(seconds, 2),
        "baseline": "sha256sum",
        "baseline_seconds": round(baseline_seconds, 2),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "meets_ratio": ratio <= TARGET_RATIO,
        "server_peak_rss_mb": round(server_peak, 1),
        "server_peak_rss_mb_by_process": {name: round(value, 1) for name, value in peaks.items()},
        "server_rss_before_upload_mb": round(max(idle.values()), 1),
        "target_server_peak_rss_mb": TARGET_SERVER_PEAK_RSS_MB,
        "meets_rss": server_peak < TARGET_SERVER_PEAK_RSS_MB,
        "peaks_reset_after_sign_in": peaks_reset,
        "server_peak_rss_mb_sign_in": round(max(sign_in_peaks.values()), 1),
        "upload_mib_per_second": round(FILE_BYTES / MB / seconds, 1),
        "openssl_sha256_seconds": round(statistics.median(strict), 2) if strict else None,
        "ratio_to_openssl_sha256": round(seconds / statistics.median(strict), 2) if strict else None,
        "client_peak_rss_mb": round(client_peak, 1),
        "seconds_all": [round(value, 2) for value in uploads],
        "baseline_seconds_all": [round(value, 2) for value in baseline],
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    url = database_url(DEFAULT_DATABASE_URL)
    stdout = sys.stdout
    exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="custos-bench-upload-") as var_dir, contextlib.redirect_stdout(sys.stderr):
        bench_environment(url, var_dir)
        setup_django(url)
        result = run_benchmark(Path(var_dir))
    print(json.dumps(result), file=stdout, flush=True)


if __name__ == "__main__":
    main()
