"""Set-up shared by the benchmark scripts (not a benchmark: `make bench` skips files starting with "_")."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

READ_BLOCK = 64 * 1024 * 1024


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def database_url(default: str) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or default
    if urlsplit(url).scheme not in {"postgres", "postgresql"}:
        raise SystemExit(f"BENCH_DATABASE_URL must be a PostgreSQL URL, not {url!r}")
    return url


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet (connecting to the `postgres` database)."""
    import psycopg  # noqa: PLC0415
    from psycopg import errors, sql  # noqa: PLC0415

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        log(f"creating database {name}")
        with contextlib.suppress(errors.DuplicateDatabase):
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def reset_tables() -> None:
    """Empty the case, evidence and custody tables (the append-only triggers are lifted meanwhile)."""
    from django.apps import apps  # noqa: PLC0415
    from django.db import connection, transaction  # noqa: PLC0415

    from apps.custody import db_triggers  # noqa: PLC0415

    tables = sorted(
        {
            model._meta.db_table
            for label in ("custody", "evidence", "cases")
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
        }
    )
    quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
    with transaction.atomic():
        db_triggers.drop(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        db_triggers.install(connection)


def proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def read_through(path: Path) -> float:
    """Read the file once (into the page cache); returns the seconds it took."""
    started = time.perf_counter()
    with path.open("rb") as stream:
        while stream.read(READ_BLOCK):
            pass
    return time.perf_counter() - started


def reset_peak_rss(pid: int | str = "self") -> bool:
    """Reset a process's VmHWM (Linux >= 4.0), so that it gives the peak of what follows."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so that servers and workers are stopped and temporary directories removed."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
