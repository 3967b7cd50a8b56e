"""Test environment, set before Django's settings are read (loaded with `-p tests.environment`).

Tests run with DEBUG off, like production, so they need a secret key; and
they get a throw-away var/ folder so they never touch a developer's
database, evidence or queue. DATABASE_URL, CELERY_BROKER_URL and REDIS_URL
pass through unchanged: when set, the suite runs on PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="custos-test-"))
(_scratch / "static").mkdir()

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("CUSTOS_VAR_DIR", str(_scratch / "var"))
os.environ.setdefault("STATIC_ROOT", str(_scratch / "static"))
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
