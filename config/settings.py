"""Custos settings, read from the environment.

With no environment variables at all, the defaults give the *embedded* setup:
SQLite at var/custos.sqlite3, evidence under var/evidence/, Celery on kombu's
file-system transport under var/queue/. Production differs only by
environment variables (docs/deployment.md lists them):

- DATABASE_URL: e.g. postgres://user@host:5432/custos
- CELERY_BROKER_URL: e.g. redis://host:6379/0
- REDIS_URL: the shared cache, e.g. redis://host:6379/1
- SECRET_KEY (or SECRET_KEY_FILE): required when DEBUG is off

Every variable may also be given as NAME_FILE, naming a file that holds the
value (Docker/Kubernetes secrets); environ.FileAwareEnv reads those.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.FileAwareEnv()

# Runtime data of the embedded setup: database, evidence, queue, secret key.
VAR_DIR = Path(env.str("CUSTOS_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

CUSTOS_VERSION = "0.1.0"


def _secret_key() -> str:
    """The secret key from the environment or, under DEBUG only, from var/.

    A production server must never invent its own key: sessions and signed
    download links would silently break on every restart or differ between
    web machines. So with DEBUG off a missing key is an error.
    """
    key: str = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE, a file holding it) "
            "to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DEBUG=1 for a local development setup."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "taggit",
    "treebeard",
    "apps.common",
    "apps.accounts",
    "apps.cases",
    "apps.weapons",
    "apps.sources",
    "apps.incidents",
    "apps.evidence",
    "apps.custody",
    "apps.intake",
    "apps.review",
    "apps.comments",
    "apps.exports",
    "apps.apitokens",
    "apps.dashboards",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the signed-in user's own time zone (blank: TIME_ZONE, Europe/Kyiv).
    "apps.accounts.middleware.UserTimeZoneMiddleware",
    # Sets request.user.otp_device / is_verified() from the session.
    "django_otp.middleware.OTPMiddleware",
    # Sends reviewers, leads and admins without a verified second factor to enrolment or verification.
    "apps.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during authenticate() into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.custody.context_processors.integrity_alerts",
                "apps.common.context_processors.map_settings",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'custos.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded setup has a web server and a worker writing the same file.
    # WAL lets readers proceed during a write; IMMEDIATE transactions take the
    # write lock up front, so two writers queue (up to `timeout` seconds)
    # instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and statements a connection runs again and again (the session, the user,
    # the roles... on every page) prepared once: PostgreSQL plans them once per connection instead of on every
    # request (measured by bench/pages.py: 30-40% more pages per second). Off behind a connection pooler in
    # transaction mode that does not keep prepared statements (docs/deployment.md).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------

REDIS_URL: str = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "custos",
        }
    }
else:
    # A file cache is shared by the web server and the worker processes of
    # the embedded setup (rate limits and lockouts must be seen by all).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Authentication -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# AxesStandaloneBackend first: it refuses a locked-out username+address before
# the password is even checked (it authenticates nobody itself).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in security (docs/deployment.md, "Sign-in security") ---------------------

# Sessions are read from the shared cache and written through to the database: every signed-in request
# reads its session, and a cache read costs about a millisecond less than a query (measured in-process on
# /healthz with a session, bench/README.md). Signing out or a new session key empties both. Several web
# machines must share the cache (REDIS_URL), as they must for rate limits and lockouts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# HSTS only when the operator says the site is reached over HTTPS alone: sent
# over a plain-HTTP embedded setup it would lock browsers out of it for a year.
SERVED_OVER_HTTPS = env.bool("SERVED_OVER_HTTPS", default=False)
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=365 * 24 * 60 * 60) if SERVED_OVER_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SERVED_OVER_HTTPS and env.bool("HSTS_INCLUDE_SUBDOMAINS", default=False)

# Repeated failed sign-ins lock out one username from one address (django-axes),
# so that an attacker elsewhere cannot lock a colleague out by guessing.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Our own page (HTTP 429), also for XMLHttpRequest, where axes would answer
# with a wildcard CORS header.
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.locked_out"
# REMOTE_ADDR only, as in the security log: behind a proxy the proxy sets it,
# and a client-sent X-Forwarded-For must not be able to dodge the lockout.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Successful sign-ins are in our security log; axes need not keep a second copy.
AXES_DISABLE_ACCESS_LOG = True

# Second factor (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Custos")

# --- Maps ----------------------------------------------------------------------------------
# Custos needs no external service: with no tile URL (the default) maps show points, boundaries and
# coordinates on a plain grid. Point MAP_TILE_URL at a tile server the organisation runs or trusts,
# e.g. "https://tiles.example.org/{z}/{x}/{y}.png"; the CSP's img-src then allows that origin ("{s}."
# subdomains become a wildcard). MAP_BOUNDARIES_URL may name a GeoJSON file of administrative boundaries.
MAP_TILE_URL: str = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION: str = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_BOUNDARIES_URL: str = env.str("MAP_BOUNDARIES_URL", default="")


def _tile_origin(url: str) -> list[str]:
    if not url.startswith(("https://", "http://")):
        return []
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return [f"{scheme}://{host}"]


# Scripts, styles and images only from this site (and the map tile server, if one is set): no inline
# code, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_tile_origin(MAP_TILE_URL)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "connect-src": [SELF],
    },
}

# --- Internationalisation -------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Times are stored in UTC; TIME_ZONE is only the default for display.
USE_TZ = True
TIME_ZONE = env.str("DISPLAY_TIME_ZONE", default="Europe/Kyiv")

# --- Static files and evidence storage ------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))

# EVIDENCE_STORAGE=s3 keeps originals and derivatives in an S3-compatible bucket
# (AWS S3, MinIO, Ceph, ...) instead of EVIDENCE_ROOT; docs/deployment.md lists
# the variables. Credentials left unset fall back to boto3's own chain (instance
# or pod role, ~/.aws), so no key has to be written anywhere.
EVIDENCE_STORAGE: str = env.str("EVIDENCE_STORAGE", default="local")
if EVIDENCE_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE is 'local' or 's3', not {EVIDENCE_STORAGE!r}.")
_evidence_s3: dict[str, Any] | None = None
if EVIDENCE_STORAGE == "s3":
    _s3_bucket: str = env.str("EVIDENCE_S3_BUCKET", default="")
    if not _s3_bucket:
        raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET, the bucket's name.")
    _s3_endpoint: str = env.str("EVIDENCE_S3_ENDPOINT_URL", default="")
    _s3_sse: str = env.str("EVIDENCE_S3_SSE", default="")
    _s3_kms_key: str = env.str("EVIDENCE_S3_SSE_KMS_KEY_ID", default="")
    # Stripped: FileAwareEnv keeps the trailing newline of a *_FILE secret,
    # which would break request signing.
    _s3_access_key: str = env.str("AWS_ACCESS_KEY_ID", default="").strip()
    _s3_secret_key: str = env.str("AWS_SECRET_ACCESS_KEY", default="").strip()
    _evidence_s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "location": env.str("EVIDENCE_S3_PREFIX", default="").strip("/"),
            "endpoint_url": _s3_endpoint or None,
            "region_name": env.str("EVIDENCE_S3_REGION", default="") or None,
            # Path-style addressing: MinIO, Ceph and most self-hosted endpoints
            # do not serve bucket-named host names.
            "addressing_style": "path" if _s3_endpoint else None,
            "signature_version": "s3v4",
            # Write-once: a name already taken gets a new name (which the
            # storage code deletes) instead of replacing the stored bytes.
            "file_overwrite": False,
            # Stored bytes are the evidence: never re-encoded on the way in.
            "gzip": False,
            # Private objects; the bucket policy decides, never a per-object ACL.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # Reads (read-back, fixity) spool to a temporary file beyond this,
            # instead of holding a whole video in memory.
            "max_memory_size": 16 * 1024 * 1024,
            "object_parameters": (
                {"ServerSideEncryption": _s3_sse, **({"SSEKMSKeyId": _s3_kms_key} if _s3_kms_key else {})}
                if _s3_sse
                else {}
            ),
            **({"access_key": _s3_access_key, "secret_key": _s3_secret_key} if _s3_access_key else {}),
        },
    }

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    # Originals and derivatives. Content-addressed and written once; files are
    # served only through authorising views, never from a public URL.
    "evidence": _evidence_s3
    or {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(EVIDENCE_ROOT),
            "base_url": None,
            "file_permissions_mode": 0o440,
            "directory_permissions_mode": 0o750,
        },
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}

# How evidence files leave the server once a view has authorised the request
# (apps/evidence/file_responses.py): "" streams them through Django;
# "x-accel-redirect" (nginx, with EVIDENCE_SENDFILE_PREFIX an internal
# location mapped to EVIDENCE_ROOT) or "x-sendfile" (Apache) hand them to the
# web server. docs/deployment.md shows the nginx block.
EVIDENCE_SENDFILE: str = env.str("EVIDENCE_SENDFILE", default="")
if EVIDENCE_SENDFILE not in {"", "x-accel-redirect", "x-sendfile"}:
    raise ImproperlyConfigured('EVIDENCE_SENDFILE must be "", "x-accel-redirect" or "x-sendfile"')
EVIDENCE_SENDFILE_PREFIX: str = env.str("EVIDENCE_SENDFILE_PREFIX", default="/protected-evidence/")

# --- Celery -----------------------------------------------------------------------

QUEUE_DIR = VAR_DIR / "queue"
CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("messages", "processed", "control"):
        (QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Producer and consumer share one folder: what the web server writes,
        # the worker reads.
        "data_folder_in": str(QUEUE_DIR / "messages"),
        "data_folder_out": str(QUEUE_DIR / "messages"),
        "processed_folder": str(QUEUE_DIR / "processed"),
        "control_folder": str(QUEUE_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task unacknowledged this long is redelivered; it must exceed the
        # longest task time limit, or a slow task would run twice at once.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 60 * 60),
    }
# Tasks record their outcome in the database; no result backend is needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# --- Intake ---------------------------------------------------------------------------

# Received bytes wait here for the pipeline. With several machines this folder
# must be shared by the web and worker machines (docs/deployment.md).
INTAKE_QUARANTINE_ROOT = Path(env.str("INTAKE_QUARANTINE_ROOT", default=str(VAR_DIR / "quarantine")))
INTAKE_MAX_UPLOAD_BYTES = env.int("INTAKE_MAX_UPLOAD_BYTES", default=20 * 1024**3)
INTAKE_TUS_EXPIRY_HOURS = env.int("INTAKE_TUS_EXPIRY_HOURS", default=24)
# Items still received/processing this long after their last change are re-enqueued.
INTAKE_STUCK_AFTER_SECONDS = env.int("INTAKE_STUCK_AFTER_SECONDS", default=10 * 60)
INTAKE_SWEEP_INTERVAL_SECONDS = env.int("INTAKE_SWEEP_INTERVAL_SECONDS", default=5 * 60)
# Publishing a task when the broker is down must fail fast, not hang the upload:
# the sweeper enqueues the item once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_TIMEOUT = 5

# --- Custody: checkpoints and fixity -------------------------------------------------

# An RFC 3161 time-stamping authority for checkpoints; empty = checkpoints are made
# but say that they are untimestamped.
CUSTODY_TSA_URL: str = env.str("CUSTODY_TSA_URL", default="")
CUSTODY_CHECKPOINT_INTERVAL_SECONDS = env.int("CUSTODY_CHECKPOINT_INTERVAL_SECONDS", default=60 * 60)
# Every archived original is re-hashed once per cycle, in even batches, at no more
# than the read rate, so that fixity never starves intake of disk bandwidth.
FIXITY_CYCLE_DAYS = env.int("FIXITY_CYCLE_DAYS", default=30)
FIXITY_RUN_INTERVAL_SECONDS = env.int("FIXITY_RUN_INTERVAL_SECONDS", default=15 * 60)
FIXITY_MAX_BYTES_PER_SECOND = env.int("FIXITY_MAX_BYTES_PER_SECOND", default=50 * 1024 * 1024)

CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "custody-checkpoint": {
        "task": "custody.checkpoint",
        "schedule": float(CUSTODY_CHECKPOINT_INTERVAL_SECONDS),
    },
    "fixity-run": {
        "task": "custody.fixity_run",
        "schedule": float(FIXITY_RUN_INTERVAL_SECONDS),
    },
    "intake-sweep": {
        "task": "intake.sweep",
        "schedule": float(INTAKE_SWEEP_INTERVAL_SECONDS),
    },
    "intake-tus-expire": {
        "task": "intake.tus_expire",
        "schedule": 60.0 * 60,
    },
}

# --- E-mail -------------------------------------------------------------------------

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="custos@localhost")

# --- Django REST framework ------------------------------------------------------------

REST_FRAMEWORK = {
    # Personal API tokens first (a request without "Authorization: Bearer" falls through to the session); their
    # challenge makes an unauthenticated API call answer 401 with WWW-Authenticate: Bearer.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.apitokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # TokenScope: a read-only token may not use unsafe methods (its cases are narrowed in accounts.permissions).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.apitokens.permissions.TokenScope",
    ],
    # Errors as RFC 9457 problem details, translated (apps/common/api.py).
    "EXCEPTION_HANDLER": "apps.common.api.problem_details_exception_handler",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "apps.common.api.FullTextSearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.common.api.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Rate limits: per personal token, per signed-in user (browser session), per address for anonymous calls.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.apitokens.throttling.TokenRateThrottle",
        "apps.apitokens.throttling.SessionUserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_PER_TOKEN", default="3000/hour"),
        "user": env.str("API_RATE_PER_USER", default="3000/hour"),
        "anon": env.str("API_RATE_ANONYMOUS", default="100/hour"),
    },
    # Anonymous limits count the client's address: the proxy's X-Forwarded-For entry behind one proxy,
    # otherwise the connection's own address (a client-supplied X-Forwarded-For is never trusted).
    "NUM_PROXIES": 1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0,
}

# The OpenAPI schema (/api/schema/) and its interactive docs (/api/docs/), served offline from
# drf-spectacular-sidecar; docs/openapi.yaml is the committed copy a test keeps in step with the code.
SPECTACULAR_SETTINGS = {
    "TITLE": "Custos API",
    "DESCRIPTION": (
        "Evidence documentation and chain of custody. Every answer is limited to the cases you are a member of "
        "(and, with a personal token, to the token's cases). Errors are RFC 9457 problem details. "
        "See docs/api.md for examples."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models name a field "status" or "kind"; each enum gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ReviewStatusEnum": "apps.evidence.enums.ReviewStatus",
        "EvidenceKindEnum": "apps.evidence.enums.EvidenceKind",
        "VerificationStatusEnum": "apps.incidents.enums.VerificationStatus",
        "ExportStatusEnum": "apps.exports.enums.ExportStatus",
        "NotificationKindEnum": "apps.comments.enums.NotificationKind",
        "CaseStatusEnum": "apps.cases.enums.CaseStatus",
        "TimePrecisionEnum": "apps.common.enums.TimePrecision",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.schema.add_problem_responses",
    ],
}

# --- Custos -------------------------------------------------------------------------------

# Demo users are only created under DEBUG; this is their password (see seed_demo).
CUSTOS_DEMO_PASSWORD: str = env.str("CUSTOS_DEMO_PASSWORD", default="")

# The address people use to reach Custos, for links in e-mails sent outside a
# request (invitations made from the shell, notifications from workers).
CUSTOS_SITE_URL: str = env.str("CUSTOS_SITE_URL", default="http://localhost:8000")

# Whether mention e-mails quote the start of the comment. Off by default:
# comments can discuss witnesses, and e-mail leaves the organisation's control.
NOTIFICATION_EMAIL_EXCERPT: bool = env.bool("NOTIFICATION_EMAIL_EXCERPT", default=False)

# Case bundles (apps/exports; docs/bundle-format.md). The organisation's Ed25519 signing key is a PEM
# (PKCS8, unencrypted) file; `python manage.py keys generate` creates one. Its public key and fingerprint
# go into every bundle. The download link a lead gets expires after EXPORT_DOWNLOAD_MAX_AGE_SECONDS.
EXPORT_SIGNING_KEY_FILE = Path(
    env.str("EXPORT_SIGNING_KEY_FILE", default=str(VAR_DIR / "keys" / "export-signing-key.pem"))
)
EXPORT_SOURCE_ORGANIZATION: str = env.str("EXPORT_SOURCE_ORGANIZATION", default="Custos")
EXPORT_CONTACT_NAME: str = env.str("EXPORT_CONTACT_NAME", default="")
EXPORT_CONTACT_EMAIL: str = env.str("EXPORT_CONTACT_EMAIL", default="")
EXPORT_DOWNLOAD_MAX_AGE_SECONDS: int = env.int("EXPORT_DOWNLOAD_MAX_AGE_SECONDS", default=24 * 60 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; failures and lockouts are in the security log.
    "loggers": {"axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")}},
}
