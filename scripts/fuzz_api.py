"""Fuzz the live REST API against its own OpenAPI schema with Schemathesis (issue 7; `make fuzz-api`, run by CI).

What it does, on a database of its own (FUZZ_DATABASE_URL, default the PostgreSQL database custos_fuzz,
dropped and created afresh each run):

1. migrates and loads the demo case (DEBUG=1, so the demo users exist);
2. gives the demo lead a personal API token with write access to the demo case;
3. serves Custos with gunicorn on a free port (tasks run eagerly, so uploads are processed in the request);
4. runs ``schemathesis run`` on /api/schema/ with that token, every operation, with the checks the issue
   names: no 5xx (not_a_server_error), no undocumented status code (status_code_conformance), no response
   that violates its schema (response_schema_conformance);
5. stops the server and exits with Schemathesis's status.

Reports (JUnit XML) land in var/fuzz/. Options: --max-examples N (default 10 per operation), --seed N.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
REVOKE_PATH = "/revoke/$"

# Prints the token's secret, then the demo objects' ids as JSON: path parameters that reach real objects.
SETUP_SCRIPT = """
import json
from apps.accounts.models import User
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Allegation, CasualtyFigure, Incident
from apps.sources.models import Source
from apps.weapons.models import WeaponType
lead = User.objects.get(username="lead")
_, secret = apitoken_create(owner=lead, name="schemathesis", cases=Case.objects.all(), access="write")
spare, _ = apitoken_create(owner=lead, name="schemathesis may revoke this one", cases=Case.objects.all(), access="read")
item = EvidenceItem.objects.order_by("number").first()
incident = Incident.objects.order_by("start_at").first()
print(secret)
print(json.dumps({
    "case_id": str(Case.objects.get().pk),
    "item_id": str(item.pk),
    "incident_id": str(incident.pk),
    "source_id": str(Source.objects.order_by("created_at").first().pk),
    "allegation_id": str(Allegation.objects.order_by("created_at").first().pk),
    "figure_id": CasualtyFigure.objects.order_by("pk").first().pk,
    "token_id": str(spare.pk),
    "kind": "thumbnail",
    "slug": WeaponType.objects.get(slug="cluster-munitions").slug if WeaponType.objects.filter(
        slug="cluster-munitions").exists() else WeaponType.objects.order_by("path").first().slug,
}))
"""


def schemathesis_config(ids: dict[str, object]) -> str:
    """schemathesis.toml: path parameters bound to the demo's objects, so operations reach past 404.

    ``target_id`` names an item on /evidence/ paths and an incident on /incidents/ paths. ``token_id`` names
    a spare token, never the one the run uses.
    """
    lines = ["[parameters]"]
    lines += [f'"path.{name}" = {json.dumps(value)}' for name, value in ids.items()]
    for prefix, target in (("evidence", ids["item_id"]), ("incidents", ids["incident_id"])):
        lines += [
            "",
            "[[operations]]",
            f'include-path-regex = "^/api/v1/{prefix}/"',
            f'parameters = {{ "path.target_id" = {json.dumps(target)} }}',
        ]
    return "\n".join(lines) + "\n"


def log(message: str) -> None:
    print(f"fuzz-api: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in ``url`` (SQLite: remove the file)."""
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    import psycopg  # noqa: PLC0415 (only for PostgreSQL runs)

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("fuzz-api: the server exited before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"fuzz-api: no answer from {url} within {seconds} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20220306)
    args = parser.parse_args()

    database_url = os.environ.get("FUZZ_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/custos_fuzz")
    scratch = Path(tempfile.mkdtemp(prefix="custos-fuzz-"))
    report_dir = ROOT / "var" / "fuzz"
    report_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CUSTOS_VAR_DIR": str(scratch / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CUSTOS_DEMO_PASSWORD": "fuzz-only-demo-password",
        # Schemathesis sends thousands of requests with one token: the limits are tested elsewhere.
        "API_RATE_PER_TOKEN": "1000000/hour",
        "API_RATE_PER_USER": "1000000/hour",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # eager tasks: no broker is needed, and none is left with queued work
    env.pop("REDIS_URL", None)  # the file cache under the scratch var/, apart from the test runs

    log(f"fresh database {database_url.rsplit('/', 1)[1]}, migrate, demo case")
    fresh_database(database_url)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    output = (
        subprocess.run(
            [*manage, "shell", "-c", SETUP_SCRIPT], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()
    )
    token, ids = output[-2], json.loads(output[-1])
    config = scratch / "schemathesis.toml"
    config.write_text(schemathesis_config(ids))

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
            "--limit-request-line",
            "8190",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(report_dir / "server.log").open("wb"),  # the log lives as long as the server
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        base = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"http://127.0.0.1:{port}/api/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            # One worker: Hypothesis parses lambdas' source with ast, which CPython 3.11 does not allow
            # from two threads at once ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--report",
            "junit",
            "--report-dir",
            str(report_dir),
            "--output-sanitize",
            "true",
        ]
        # Two passes: revoking a token may revoke the run's own (Schemathesis reuses ids it saw in answers,
        # and the token list shows the run's token), so revoke runs last, alone, after every other operation.
        passes = [
            ("every operation but revoke", [*base, "--exclude-path-regex", REVOKE_PATH]),
            ("revoke", [*base, "--include-path-regex", REVOKE_PATH]),
        ]
        worst = 0
        for name, command in passes:
            log(f"schemathesis ({name}) on http://127.0.0.1:{port}/api/schema/, {args.max_examples} examples each")
            started = time.monotonic()
            result = subprocess.run(command, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"}, check=False)
            log(f"schemathesis ({name}) exited with {result.returncode} after {time.monotonic() - started:.0f} s")
            worst = max(worst, result.returncode)
        return worst
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
