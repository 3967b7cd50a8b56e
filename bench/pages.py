"""Benchmark: latency of the main pages on a large case, served by gunicorn, under 8 concurrent connections.

Targets (issue 6, "Speed"): p95 <= 150 ms for the incident list, a filtered search and an incident page;
p95 <= 400 ms for the case dashboard; at 8 concurrent connections.

What it does, against its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/custos_bench_pages, created if missing) and a temporary directory:

1. seeds one case with 100,000 incidents and 300,000 evidence items (10,000 and 30,000 with --quick): incidents
   spread over 2022-2025, the 24 oblasts and their coordinates, one or two incident types each, every fifth with
   an allegation naming a weapon of the taxonomy; items are metadata rows only (no files), in every review state,
   each linked to an incident; an OHCHR-like casualty series. Rows go in with COPY. A database already seeded
   with the same counts is reused (the seed takes minutes; --reseed forces it); then every table and index is
   read once (pg_prewarm into the OS's cache), as a server that has been in use has them in memory;
2. starts `gunicorn config.wsgi --workers <cores>` on a spare port (DEBUG off);
3. signs a lead in (a session with a verified second factor, as after the sign-in forms) and checks that every
   page answers 200 for them;
4. runs wrk (a second process: `wrk -t2 -c8 -d<seconds>s`, a Lua script for the cookie, the paths and the
   percentiles) against, in turn: /healthz (the baseline: the same server, the same connections, no page), the
   incident list, a filtered search (oblast + incident type + date range + full-text), incident pages (200
   different incidents in random order) and the dashboard. The dashboard draws its charts once a minute per
   case (a fragment cache), so wrk measures what users get; the time to draw it with an empty cache is measured
   too (dashboard_cold_ms: the median of 5 sequential requests, the cache emptied before each). All of that
   in 3 rounds (--rounds) of 10 s per page (--seconds): every page in turn, then again;
5. reports p50/p95 per page, each the median over the rounds, with every round's p95 (and each page alone,
   without concurrent load: the median of 5 requests), the ratio of each p95 to the baseline's p95 in the same
   round (the median over the rounds), and whether the targets are met by the median.

Prints one JSON line on stdout; progress goes to stderr. Needs wrk (Debian package wrk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _support import database_url, ensure_database, exit_on_sigterm  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/custos_bench_pages"
CASE_REFERENCE = "BENCH-PAGES"
LEAD = "bench-lead"
CONNECTIONS = 8
# One worker process per core (the Procfile runs two): the pages are CPU-bound, and more processes than
# cores only take turns on them (measured here: with 4 workers on 2 cores, every page's p95 was higher).
WORKERS = os.cpu_count() or 2
TARGET_P95_MS = {"list": 150.0, "search": 150.0, "detail": 150.0, "dashboard": 400.0}
# Each page is loaded in several rounds (every page, then again), and each figure is the median of its rounds: on a
# shared machine a page's p95 over one window moves by a third with what else runs then (seen here: the same
# code's search p95 127 and 168 ms an hour apart). Every round's p95 is reported too.
ROUNDS = 3
SERVER_START_TIMEOUT_SECONDS = 60

# Oblasts with a rough centre (lat, lon): incidents scatter around them.
OBLASTS = [
    ("Kharkivska", 49.99, 36.23),
    ("Donetska", 48.02, 37.80),
    ("Luhanska", 48.57, 39.31),
    ("Zaporizka", 47.84, 35.14),
    ("Khersonska", 46.64, 32.61),
    ("Mykolaivska", 46.97, 31.99),
    ("Dnipropetrovska", 48.46, 35.05),
    ("Sumska", 50.91, 34.80),
    ("Chernihivska", 51.49, 31.29),
    ("Kyivska", 50.45, 30.52),
    ("Odeska", 46.48, 30.73),
    ("Zhytomyrska", 50.25, 28.66),
    ("Poltavska", 49.59, 34.55),
    ("Lvivska", 49.84, 24.03),
    ("Vinnytska", 49.23, 28.47),
    ("Cherkaska", 49.44, 32.06),
    ("Kirovohradska", 48.51, 32.26),
    ("Rivnenska", 50.62, 26.25),
    ("Volynska", 50.75, 25.34),
    ("Khmelnytska", 49.42, 26.99),
    ("Ternopilska", 49.55, 25.59),
    ("Ivano-Frankivska", 48.92, 24.71),
    ("Zakarpatska", 48.62, 22.29),
    ("Chernivetska", 48.29, 25.94),
]
WHAT = ["Shelling of", "Missile strike on", "Air strike on", "Drone attack on", "Fire at", "Explosion near"]
WHERE = [
    "a school",
    "a hospital",
    "a residential block",
    "the market",
    "a power station",
    "a railway station",
    "a bridge",
    "a shelter",
    "a kindergarten",
    "a warehouse",
    "a church",
    "a water plant",
]


def log(message: str) -> None:
    print(f"[pages] {message}", file=sys.stderr, flush=True)


# --- Environment and Django ----------------------------------------------------------------------


def bench_environment(url: str, var_dir: Path) -> None:
    """The settings' environment, inherited by gunicorn too."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CUSTOS_VAR_DIR"] = str(var_dir)
    os.environ["STATIC_ROOT"] = str(var_dir / "static")
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ.pop("REDIS_URL", None)  # the embedded file cache, shared by the workers
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["SECURE_COOKIES"] = "0"
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


def warm_database() -> float:
    """Read every table and index of the database once (pg_prewarm into the OS's cache), and return the MiB read.

    A server that has been serving its case for a while has what the pages read in memory; a database just seeded
    or reused from an earlier run may not (seen here: the OS kept about 1 GB of file cache, and a random incident
    page then waited on the disk for 1-2 ms per block, 5-80 ms for one gallery query). Without pg_prewarm (a
    contrib module of PostgreSQL) nothing is read and the figures say so (warmed_mib 0).
    """
    from django.db import connection  # noqa: PLC0415
    from django.db.utils import DatabaseError  # noqa: PLC0415

    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT COALESCE(SUM(pg_prewarm(c.oid, 'read')), 0) * current_setting('block_size')::bigint "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm') "
                "AND c.relpersistence = 'p'"
            )
            row = cursor.fetchone()
    except DatabaseError as error:
        log(f"could not warm the database (pg_prewarm): {error}")
        return 0.0
    return round(int(row[0] if row else 0) / 2**20, 1)


# --- Seeding -----------------------------------------------------------------------------------------


def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY rows into the model's table; columns not given take the field's default (or "" / NULL)."""
    from django.db import connection  # noqa: PLC0415
    from django.db.models import DateTimeField  # noqa: PLC0415
    from django.db.models.fields import AutoFieldMixin  # noqa: PLC0415

    fields = [field for field in model._meta.concrete_fields if not isinstance(field, AutoFieldMixin)]
    now = datetime.now(tz=UTC)
    defaults: dict[str, Any] = {}
    for field in fields:
        if field.has_default():
            defaults[field.attname] = field.get_default()
        elif isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add):
            defaults[field.attname] = now
        elif field.null:
            defaults[field.attname] = None
        else:
            defaults[field.attname] = ""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        field.get_db_prep_save(row.get(field.attname, defaults[field.attname]), connection)
                        for field in fields
                    ]
                )
                count += 1
    return count


def seeded_counts(case: Any) -> tuple[int, int]:
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415
    from apps.incidents.models import Incident  # noqa: PLC0415

    return Incident.objects.filter(case=case).count(), EvidenceItem.objects.filter(case=case).count()


def reset_bench_rows() -> None:
    """Empty the tables this benchmark fills (cases cascade to incidents, evidence, sources, ...)."""
    from django.db import connection, transaction  # noqa: PLC0415

    from apps.custody import db_triggers  # noqa: PLC0415

    with transaction.atomic():
        db_triggers.drop(connection)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_case, django_session RESTART IDENTITY CASCADE")
        db_triggers.install(connection)


def seed(*, incidents: int, items: int, reseed: bool) -> Any:
    """The case, its lead, and the rows; reused when a previous run left exactly these counts."""
    from django.db import connection, transaction  # noqa: PLC0415

    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.models import CaseMembership, User  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415

    case = Case.objects.filter(reference=CASE_REFERENCE).first()
    if case is not None and not reseed and seeded_counts(case) == (incidents, items):
        log(f"reusing the seeded case ({incidents:,} incidents, {items:,} items)")
        return case
    log("emptying the benchmark's tables")
    reset_bench_rows()
    started = time.perf_counter()
    with transaction.atomic():
        lead, _created = User.objects.get_or_create(username=LEAD, defaults={"email": "lead@bench.invalid"})
        case = Case.objects.create(reference=CASE_REFERENCE, title="Benchmark: a large case")
        CaseMembership.objects.create(user=lead, case=case, role=CaseRole.LEAD)
        seed_rows(case, lead, incidents=incidents, items=items)
    with connection.cursor() as cursor:
        # The COPY of the type links made the database rewrite every incident row once (its type codes, set by
        # a trigger: apps/incidents/migrations/0005): compact the table again, as it would be after rows that
        # were written over months and vacuumed.
        cursor.execute("VACUUM FULL incidents_incident")
        # Statistics for the planner, and the visibility map that lets an index answer alone: what autovacuum
        # has long since done in a database that grew over months, not yet right after a bulk COPY.
        cursor.execute("VACUUM ANALYZE")
    log(f"seeded {incidents:,} incidents and {items:,} items in {time.perf_counter() - started:.0f} s")
    return case


def seed_rows(case: Any, lead: Any, *, incidents: int, items: int) -> None:
    from apps.evidence.enums import EvidenceKind, ProcessingStatus, ReviewStatus  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem, IncidentLink  # noqa: PLC0415
    from apps.incidents.enums import CasualtyScope, VerificationStatus  # noqa: PLC0415
    from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType  # noqa: PLC0415
    from apps.sources.enums import SourceType  # noqa: PLC0415
    from apps.sources.models import Source  # noqa: PLC0415
    from apps.weapons.models import WeaponType  # noqa: PLC0415

    rng = random.Random(20220224)  # noqa: S311 (a reproducible spread, not a secret)
    type_codes = list(IncidentType.objects.values_list("code", flat=True))
    weapon_ids = list(WeaponType.objects.values_list("id", flat=True))
    statuses = [choice.value for choice in VerificationStatus]
    first_day = datetime(2022, 2, 24, tzinfo=UTC)
    span_minutes = int((datetime(2025, 6, 30, tzinfo=UTC) - first_day).total_seconds() // 60)
    incident_ids = [uuid.uuid4() for _ in range(incidents)]

    def incident_rows() -> Iterator[dict[str, Any]]:
        for number, incident_id in enumerate(incident_ids):
            oblast, lat, lon = OBLASTS[min(int(rng.expovariate(0.25)), len(OBLASTS) - 1)]
            what, where = rng.choice(WHAT), rng.choice(WHERE)
            yield {
                "id": incident_id,
                "case_id": case.pk,
                "title": f"{what} {where} in {oblast} #{number}",
                "narrative": f"{what} {where}. Witnesses describe damage; casualties are being counted.",
                "start_at": first_day + timedelta(minutes=rng.randrange(span_minutes)),
                "start_precision": "exact",
                "place_name": f"{oblast} settlement {number % 500}",
                "admin1": oblast,
                "admin2": f"{oblast} raion {number % 7}",
                "latitude": round(lat + rng.uniform(-0.6, 0.6), 6),
                "longitude": round(lon + rng.uniform(-0.8, 0.8), 6),
                "verification_status": rng.choice(statuses),
                "created_by_id": lead.pk,
            }

    log(f"incidents: {copy_rows(Incident, incident_rows()):,}")
    through = Incident.incident_types.through
    type_links = (
        {"incident_id": incident_id, "incidenttype_id": code}
        for incident_id in incident_ids
        for code in rng.sample(type_codes, rng.choice((1, 1, 2)))
    )
    log(f"incident types: {copy_rows(through, type_links):,}")

    sources = [
        Source.objects.create(case=case, source_type=SourceType.UN_NGO_REPORT, title=f"Report {n}", publisher="OHCHR")
        for n in range(50)
    ]
    alleged = incident_ids[::5]
    allegation_ids = [uuid.uuid4() for _ in alleged]
    allegations = (
        {
            "id": allegation_id,
            "case_id": case.pk,
            "incident_id": incident_id,
            "source_id": rng.choice(sources).pk,
            "asserted_on": date(2022, 3, 1) + timedelta(days=rng.randrange(1200)),
            "summary": "The source names the weapon used",
        }
        for allegation_id, incident_id in zip(allegation_ids, alleged, strict=True)
    )
    log(f"allegations: {copy_rows(Allegation, allegations):,}")
    claims = (
        {"allegation_id": allegation_id, "weapon_type_id": rng.choice(weapon_ids)} for allegation_id in allegation_ids
    )
    log(f"alleged weapons: {copy_rows(AllegedWeapon, claims):,}")
    killed = 0
    for month in range(40):
        killed += rng.randrange(50, 400)
        CasualtyFigure.objects.create(
            case=case,
            scope=CasualtyScope.CASE,
            reporter="OHCHR",
            as_of=date(2022, 3, 1) + timedelta(days=30 * month),
            killed=killed,
            injured=killed * 2,
            recorded_by=lead,
        )

    review_states = [state.value for state in ReviewStatus]
    kinds = [EvidenceKind.IMAGE, EvidenceKind.IMAGE, EvidenceKind.VIDEO, EvidenceKind.DOCUMENT]
    item_ids = [uuid.uuid4() for _ in range(items)]

    def item_rows() -> Iterator[dict[str, Any]]:
        for number, item_id in enumerate(item_ids, start=1):
            digest = uuid.UUID(int=rng.getrandbits(128)).hex * 2
            yield {
                "id": item_id,
                "case_id": case.pk,
                "number": number,
                "kind": rng.choice(kinds),
                "original_filename": f"IMG_{number:06d}.jpg",
                "size_bytes": rng.randrange(100_000, 8_000_000),
                "declared_content_type": "image/jpeg",
                "detected_content_type": "image/jpeg",
                "sha256": f"sha256:{digest}",
                "processing_status": ProcessingStatus.ARCHIVED,
                "review_status": rng.choice(review_states),
                "caption": "A photograph of the damage",
                "uploaded_by_id": lead.pk,
                "last_edited_by_id": lead.pk,
            }

    log(f"evidence items: {copy_rows(EvidenceItem, item_rows()):,}")
    links = (
        {"item_id": item_id, "incident_id": incident_ids[position % len(incident_ids)], "linked_by_id": lead.pk}
        for position, item_id in enumerate(item_ids)
    )
    log(f"incident links: {copy_rows(IncidentLink, links):,}")


# --- The server and the load ------------------------------------------------------------------------


def spare_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    import requests  # noqa: PLC0415

    executable = Path(sys.executable).parent / "gunicorn"
    command = [str(executable), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]
    with log_path.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer within {SERVER_START_TIMEOUT_SECONDS} s")
            time.sleep(0.2)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)


def lead_session(case: Any) -> str:
    """A session of the case's lead with a verified second factor, as the sign-in forms leave it."""
    from django.test import Client  # noqa: PLC0415
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: PLC0415
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    from apps.accounts.models import User  # noqa: PLC0415

    lead = User.objects.get(username=LEAD)
    device = TOTPDevice.objects.filter(user=lead, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=lead, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(lead)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return str(client.cookies["sessionid"].value)


def page_paths(case: Any) -> dict[str, list[str]]:
    """The measured pages: one path each, or several that wrk takes in random order."""
    from urllib.parse import urlencode  # noqa: PLC0415

    from django.urls import reverse  # noqa: PLC0415

    from apps.incidents.models import Incident, IncidentType  # noqa: PLC0415

    incidents = reverse("incidents:list")
    kind = IncidentType.objects.order_by("sort_order").values_list("code", flat=True).first() or ""
    search = urlencode(
        {
            "case": case.pk,
            "admin1": "Kharkivska",
            "incident_type": kind,
            "start_after": "2023-01-01",
            "search": "school",
        }
    )
    details = Incident.objects.filter(case=case).order_by("?").values_list("id", flat=True)[:200]
    return {
        "baseline": [reverse("healthz")],
        "list": [f"{incidents}?{urlencode({'case': case.pk})}"],
        "search": [f"{incidents}?{search}"],
        "detail": [reverse("incidents:detail", kwargs={"incident_id": pk}) for pk in details],
        "dashboard": [reverse("dashboards:case_dashboard", kwargs={"case_id": case.pk})],
    }


WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
wrk.headers["Cookie"] = "sessionid=%(session)s"
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests": %%d, "non_2xx": %%d, "errors": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(base: str, paths: list[str], session: str, seconds: int, folder: Path) -> dict[str, Any]:
    script = folder / "pages.lua"
    shuffled = random.Random(7).sample(paths, len(paths))  # noqa: S311
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(path) for path in shuffled), "session": session})
    command = [
        shutil.which("wrk") or "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    figures: dict[str, Any] = json.loads(line.removeprefix("WRK "))
    figures["requests_per_second"] = round(figures["requests"] / seconds, 1)
    return figures


def sequential_ms(base: str, pages: dict[str, list[str]], session: str) -> dict[str, float]:
    """Each page alone (no concurrent load): the median of 5 requests; also checks that each answers 200."""
    import statistics  # noqa: PLC0415

    import requests  # noqa: PLC0415

    medians = {}
    for name, paths in pages.items():
        for path in (paths * WORKERS)[:WORKERS]:  # warm every worker up (imports, connections) first
            requests.get(base + path, cookies={"sessionid": session}, timeout=60, allow_redirects=False)
        timings = []
        for path in (paths * 5)[:5]:
            started = time.perf_counter()
            response = requests.get(base + path, cookies={"sessionid": session}, timeout=60, allow_redirects=False)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {path} answered {response.status_code}, not 200")
        medians[name] = round(statistics.median(timings), 1)
    return medians


def dashboard_cold_ms(base: str, path: str, session: str) -> float:
    """The median time to draw the dashboard with an empty cache (5 sequential requests)."""
    import statistics  # noqa: PLC0415

    import requests  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415

    timings = []
    for _ in range(5):
        cache.clear()
        started = time.perf_counter()
        response = requests.get(base + path, cookies={"sessionid": session}, timeout=120)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return round(statistics.median(timings), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10,000 incidents and 30,000 items, 5 s per page")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database holds the rows")
    parser.add_argument("--seconds", type=int, default=None, help="how long wrk loads each page in each round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds over every page (the median is reported)")
    arguments = parser.parse_args()
    incidents, items = (10_000, 30_000) if arguments.quick else (100_000, 300_000)
    seconds = arguments.seconds or (5 if arguments.quick else 10)
    rounds = max(arguments.rounds, 1)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/pages.py needs wrk: apt-get install wrk")
    exit_on_sigterm()
    url = database_url(DEFAULT_DATABASE_URL)
    with tempfile.TemporaryDirectory(prefix="custos-bench-pages-") as temporary:
        folder = Path(temporary)
        bench_environment(url, folder / "var")
        setup_django(url)
        case = seed(incidents=incidents, items=items, reseed=arguments.reseed)
        warmed = warm_database()
        log(f"read {warmed} MiB of tables and indexes into the OS's cache")
        session = lead_session(case)
        pages = page_paths(case)
        port = spare_port()
        base = f"http://127.0.0.1:{port}"
        with gunicorn(port, folder / "gunicorn.log"):
            alone = sequential_ms(base, pages, session)
            log(f"each page alone, median ms: {alone}")
            cold = dashboard_cold_ms(base, pages["dashboard"][0], session)
            log(f"dashboard with an empty cache: {cold} ms")
            results: dict[str, list[dict[str, Any]]] = {name: [] for name in pages}
            for round_number in range(1, rounds + 1):
                for name, paths in pages.items():
                    results[name].append(run_wrk(base, paths, session, seconds, folder))
                    log(f"round {round_number}, {name}: {results[name][-1]}")
    report(results, incidents=incidents, items=items, seconds=seconds, cold=cold, alone=alone, warmed=warmed)


def report(
    results: dict[str, list[dict[str, Any]]],
    *,
    incidents: int,
    items: int,
    seconds: int,
    cold: float,
    alone: dict[str, float],
    warmed: float,
) -> None:
    """One JSON line. Each page's p50/p95 is the median over the rounds (every round's p95 is listed too); its
    ratio is the median of the rounds' ratios to the baseline's p95 in the same round."""
    import statistics  # noqa: PLC0415

    def ms(value_us: float) -> float:
        return round(value_us / 1000, 1)

    baseline_p95s = [max(run["p95_us"], 1) for run in results["baseline"]]
    figures: dict[str, Any] = {
        "bench": "pages",
        "incidents": incidents,
        "evidence_items": items,
        "connections": CONNECTIONS,
        "gunicorn_workers": WORKERS,
        "rounds": len(baseline_p95s),
        "seconds_per_page": seconds,
        "warmed_mib": warmed,
        "baseline_p50_ms": ms(statistics.median(run["p50_us"] for run in results["baseline"])),
        "baseline_p95_ms": ms(statistics.median(baseline_p95s)),
    }
    met = True
    for name, target in TARGET_P95_MS.items():
        runs = results[name]
        p95s = [run["p95_us"] for run in runs]
        p95 = statistics.median(p95s) / 1000
        figures[f"{name}_p50_ms"] = ms(statistics.median(run["p50_us"] for run in runs))
        figures[f"{name}_p95_ms"] = round(p95, 1)
        figures[f"{name}_p95_rounds_ms"] = [ms(value) for value in p95s]
        figures[f"{name}_p95_ratio"] = round(
            statistics.median(run["p95_us"] / base for run, base in zip(runs, baseline_p95s, strict=True)), 1
        )
        figures[f"{name}_rps"] = round(statistics.median(run["requests_per_second"] for run in runs), 1)
        figures[f"{name}_alone_ms"] = alone[name]
        failed = sum(run["non_2xx"] + run["errors"] for run in runs)
        if failed:
            figures[f"{name}_failed_requests"] = failed
            met = False
        met = met and p95 <= target
    figures["dashboard_cold_ms"] = cold
    figures["targets_met"] = met
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
