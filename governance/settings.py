"""Settings: every value comes from the environment, with the embedded defaults.

The embedded default (no ``DATABASE_URL``) runs on SQLite in ``var/`` with Celery on kombu's
filesystem transport, also in ``var/``, and keeps its generated secrets in ``var/secrets/``.
Production sets ``DATABASE_URL``, ``CELERY_BROKER_URL`` and the secrets; see ``.env.example``.
``DEBUG`` is off unless set: ``DEBUG=1`` is a developer's choice.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _kept_secret(path: Path, fresh: str) -> str:
    """The content of ``path``, created with ``fresh`` (owner-only) if it does not exist yet.
    The first process wins: web, worker and beat starting together on a fresh var/ all read the
    same secret (the file appears whole, by a hard link, or not at all)."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(fresh)
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text()


def _secret_from_env_or_var(name: str, *, generate: bool) -> str:
    """Read a secret from the environment; in the embedded default, keep one in ``var/``."""
    value = os.environ.get(name)
    if value:
        return value
    if not generate:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment when DATABASE_URL is set "
            "(only the embedded default, without DATABASE_URL, keeps one in var/secrets/)."
        )
    return _kept_secret(VAR_DIR / "secrets" / name.lower(), secrets.token_urlsafe(50)).strip()


def database_from_url(url: str) -> dict[str, object]:
    """Parse ``postgres://user:pass@host:port/name?opt=val`` or ``sqlite:///path``."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parts.scheme == "sqlite":
        return sqlite_database(Path(unquote(parts.path)))
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme: {parts.scheme!r}")


def sqlite_database(path: Path) -> dict[str, object]:
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN,
    # so web, worker and beat queue up on the busy timeout instead of failing with
    # "database is locked" when a read transaction tries to upgrade to a write.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        "TEST": {"NAME": os.environ.get("SQLITE_TEST_NAME") or None},
    }


def _pii_keys(*, generate: bool) -> tuple[dict[str, str], str, str]:
    """Encryption keys for personal data: ``PII_KEYS`` ("id:base64,id:base64"), the active
    key id and the HMAC key. The embedded default keeps generated ones in var/secrets/."""
    if os.environ.get("PII_KEYS"):
        keys = dict(item.strip().split(":", 1) for item in os.environ["PII_KEYS"].split(","))
        active = os.environ.get("PII_ACTIVE_KEY") or next(reversed(keys))
        hmac_key = os.environ.get("PII_HMAC_KEY", "")
        if not hmac_key:
            raise ImproperlyConfigured("PII_HMAC_KEY must be set together with PII_KEYS.")
        return keys, active, hmac_key
    if not generate:
        raise ImproperlyConfigured(
            "PII_KEYS and PII_HMAC_KEY must be set in the environment when DATABASE_URL is set "
            "(only the embedded default, without DATABASE_URL, keeps them in var/secrets/)."
        )
    fresh = {
        "keys": {"k1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "active": "k1",
        "hmac": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    stored = json.loads(
        _kept_secret(VAR_DIR / "secrets" / "pii_keys.json", json.dumps(fresh, indent=2))
    )
    return stored["keys"], stored["active"], stored["hmac"]


DEBUG = env_bool("DEBUG", False)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# No DATABASE_URL: the embedded default (`make run`, and every manage.py command on that
# install), which generates its secrets into var/ on first use and finds them there afterwards,
# whatever DEBUG is. With DATABASE_URL a production install refuses to start without its keys
# from the environment (a developer with DEBUG=1 against a local PostgreSQL keeps them in var/).
EMBEDDED = not DATABASE_URL
SECRET_KEY = _secret_from_env_or_var("SECRET_KEY", generate=EMBEDDED or DEBUG)
PII_KEYS, PII_ACTIVE_KEY, PII_HMAC_KEY = _pii_keys(generate=EMBEDDED or DEBUG)
PII_CIPHER = os.environ.get("PII_CIPHER", "sm4-gcm")  # or "aes-256-gcm"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "governance.apps.AxesConfig",  # django-axes, named for the admin index
    "governance",
    "orgchart",
    "grids",
    "notifications",
    "petitions",
    "volunteers",
    "consultations",
    "governance.dashboard",
]

MIDDLEWARE = [
    # First: it times the whole request and puts its id on every line logged meanwhile.
    "governance.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication: a user still on a one-time password may only change it.
    "orgchart.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "governance.middleware.ApplicationErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "petitions.context_processors.petitions",
            ],
        },
    },
]

DATABASES = {
    "default": sqlite_database(VAR_DIR / "db.sqlite3")
    if EMBEDDED
    else database_from_url(DATABASE_URL)
}
# A PostgreSQL streaming replica: the dashboards and long lists read from it, everything else
# from the primary (governance.replica). Tests mirror it onto the default database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if EMBEDDED:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs DATABASE_URL (a PostgreSQL primary)."
        )
    DATABASES["replica"] = {
        **database_from_url(DATABASE_REPLICA_URL),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["governance.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgchart.User"
# django-axes first: it refuses a locked-out login before any backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "orgchart.auth.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (等保 2.0; orgchart.lockout): failed logins are counted per account at one
# address, per address and per account, each with its own limit, so one careless user behind
# an office's NAT address locks only their own account there. Each lock lasts
# LOGIN_LOCKOUT_MINUTES after the failure that reached its limit.
# Attempts are rows in the database (axes' database handler), so every gunicorn worker and
# host sees the same count, and tests roll them back with their transaction.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_RULES = [
    # (rule, axes lockout parameters, failures that lock)
    ("account_at_address", ["username", "ip_address"], LOGIN_FAILURE_LIMIT),
    ("address", "ip_address", env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)),
    ("account", "username", env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20)),
]
AXES_HANDLER = "orgchart.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [parameters for _rule, parameters, _limit in LOGIN_LOCKOUT_RULES]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# A successful login forgives that account's failures (orgchart.account_views), not the
# address's: axes' own AXES_RESET_ON_SUCCESS also clears every failure from the address, so one
# valid account would let an attacker at the same address guess other passwords without end.
AXES_RESET_ON_SUCCESS = False
# A locked-out attempt does not restart the cool-off: the lock ends when the page says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# "Worker" and "worker" are one account for the count (usernames are unique ignoring case).
AXES_USERNAME_CALLABLE = "orgchart.account_views.lockout_username"
# Behind a load balancer or reverse proxy REMOTE_ADDR is the proxy's: set TRUSTED_PROXY_COUNT to
# the number of proxies that append to X-Forwarded-For, or one address would lock out everyone.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "governance.ratelimit.client_address"
# Successful logins are in the audit log (governance.AuditEvent, with the address); failed ones
# are kept in axes' failure log (username, address, browser, time; at most 1000 per account).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The login page (or JSON under /api/) with the lockout message, HTTP 429.
AXES_LOCKOUT_CALLABLE = "orgchart.account_views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "orgchart.passwords.LettersAndDigitsValidator"},
]

# The UI is Chinese unless the user switches (see governance.middleware.LanguageMiddleware:
# the browser's Accept-Language is deliberately ignored).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (photos, petition attachments). Never served as public files: pages stream
# them through views that check the viewer's scope. Several web hosts must share MEDIA_ROOT (a
# volume). The photo limits hold for every photo upload (governance.photos).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # unused by the app: no public route is mounted
VISIT_PHOTO_MAX_BYTES = env_int("VISIT_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
VISIT_PHOTOS_MAX = env_int("VISIT_PHOTOS_MAX", 6)

# Without DEBUG (the embedded run and production) whitenoise serves what collectstatic put
# into STATIC_ROOT, under hashed names (`make run` collects into var/staticfiles/); with
# DEBUG=1 it finds the files in their source folders, so the pages look the same.
WHITENOISE_USE_FINDERS = DEBUG
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing

# Ledger imports (governance.ledger.imports): the largest upload and the most rows one file may
# hold, and where an upload waits between the dry-run preview and the confirmation (owner-only
# tokens, expiring). Several web hosts must share LEDGER_IMPORT_DIR (a volume) or keep users on
# one host. Uploads up to the limit stay in memory; Django writes larger ones to a temporary
# file, and the import view stops reading them at the limit.
LEDGER_EXPORT_MAX_ROWS = env_int("LEDGER_EXPORT_MAX_ROWS", 200_000)
LEDGER_IMPORT_MAX_BYTES = env_int("LEDGER_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# The import runs in the request: about 6 ms a new party member on SQLite, so 5,000 rows stay
# well inside gunicorn's 60 s timeout. Raise both together.
LEDGER_IMPORT_MAX_ROWS = env_int("LEDGER_IMPORT_MAX_ROWS", 5_000)
LEDGER_IMPORT_DIR = Path(os.environ.get("LEDGER_IMPORT_DIR", VAR_DIR / "imports"))
FILE_UPLOAD_MAX_MEMORY_SIZE = LEDGER_IMPORT_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields other than files (Django's default)

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout, not an absolute one
SESSION_COOKIE_HTTPONLY = True
# The embedded default is served over plain http on loopback: secure cookies would never be
# sent back there. Production is behind HTTPS (HTTPS=1, the default with DATABASE_URL): plain
# http is redirected (but the health checks, which load balancers and compose ask over http
# inside), browsers are told to stay on HTTPS for a year (HSTS_SECONDS), and the reverse proxy
# that ends TLS says so in X-Forwarded-Proto (trusted when TRUSTED_PROXY_COUNT > 0).
HTTPS = env_bool("HTTPS", not DEBUG and not EMBEDDED)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Preloading commits the whole domain in every browser's built-in list: an operator's choice
# (HSTS_PRELOAD=1), not a default, so `check --deploy` is not asked to warn about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
X_FRAME_OPTIONS = "DENY"
# A refused CSRF token gets the app's error page in the user's language, not Django's.
CSRF_FAILURE_VIEW = "governance.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True

# The audit log keeps at least this long (等保 2.0: six months); `manage.py prune_audit_log`
# deletes only older rows.
AUDIT_RETENTION_DAYS = max(183, env_int("AUDIT_RETENTION_DAYS", 365))

# Rate limits (governance.ratelimit): "<count>/<s|min|hour|day>", empty to turn one off. The
# API per signed-in user and per address without one; reveals of personal data and exports
# per user (a burst of them is refused and flagged in the audit log).
RATE_LIMITS = {
    "api_user": os.environ.get("API_RATE_USER", "120/min"),
    "api_anon": os.environ.get("API_RATE_ANON", "30/min"),
    "reveal": os.environ.get("REVEAL_RATE", "30/min"),
    "export": os.environ.get("EXPORT_RATE", "10/min"),
}
# The counters live in the cache: Redis shared by every web process in production
# (CACHE_URL), the process's memory on the embedded default (one web process).
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
        if os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # Token clients on a one-time password (sessions are stopped by the middleware).
        "orgchart.middleware.PasswordChanged",
    ],
    # Bodies: strict JSON objects (governance.parsers.JSONObjectParser), forms and multipart.
    "DEFAULT_PARSER_CLASSES": [
        "governance.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only: the API's documentation is the Swagger UI of /api/docs/, and DRF's browsable
    # pages would answer errors as HTML.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "governance.schema.ErrorDocumentingSchema",
    "EXCEPTION_HANDLER": "governance.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "governance.api.Pagination",
    # Per signed-in user and per address without one (governance.ratelimit, RATE_LIMITS).
    "DEFAULT_THROTTLE_CLASSES": [
        "governance.ratelimit.UserThrottle",
        "governance.ratelimit.AddressThrottle",
    ],
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": _("Grassroots governance API"),
    "DESCRIPTION": _(
        "Party-building-led grassroots governance: org tree, grids, petitions, volunteers."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: choices that several models call "kind", "role" or "status"
    # are named after their model, and a set that several fields share has one name.
    "ENUM_NAME_OVERRIDES": {
        "OrgUnitKindEnum": "orgchart.models.OrgUnit.Kind",
        "PostKindEnum": "orgchart.models.Post.Kind",
        "GridKindEnum": "grids.models.Grid.Kind",
        "TeamKindEnum": "volunteers.models.Team.Kind",
        "ActivityKindEnum": "volunteers.models.Activity.Kind",
        "UserRoleEnum": "orgchart.models.User.Role",
        "GridStaffRoleEnum": "grids.models.GridStaff.Role",
        "DispatchRoleEnum": "petitions.models.DispatchRole",
        "PetitionStatusEnum": "petitions.models.Status",
        "DispatchStatusEnum": "petitions.models.DispatchStatus",
        "PartyMemberStatusEnum": "orgchart.models.PartyMember.Status",
        "WishStatusEnum": "volunteers.models.WishStatus",
        "WorkOrderStatusEnum": "volunteers.models.WorkOrderStatus",
        "TimeUnitEnum": "petitions.models.TimeUnit",
        "ComplexityEnum": "petitions.models.Complexity",
        "TopicSourceEnum": "consultations.models.TopicSource",
        "TopicStatusEnum": "consultations.models.TopicStatus",
        "MeetingStatusEnum": "consultations.models.MeetingStatus",
        "ProjectStatusEnum": "consultations.models.ProjectStatus",
        "InviteeKindEnum": "consultations.models.InviteeKind",
        "ProjectStepKindEnum": "consultations.models.ProjectStepKind",
        "FundSourceEnum": "consultations.models.FundSource",
        "WorkOrderSourceEnum": "volunteers.models.WorkOrder.Source",
    },
}

# Celery. Embedded default: kombu's filesystem transport in var/, results as files there too.
CELERY_DATA_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_RESULT_BACKEND = (
    os.environ.get(
        "CELERY_RESULT_BACKEND",
        f"file://{CELERY_DATA_DIR / 'results'}" if CELERY_BROKER_URL == "filesystem://" else "",
    )
    or None
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL == "filesystem://"
    else {"visibility_timeout": 3600}
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
HEARTBEAT_INTERVAL_SECONDS = env_int("HEARTBEAT_INTERVAL_SECONDS", 60)
# E-mail notifications (the outbox task sends them). Embedded default: files in var/mail, so
# nothing leaves the machine; production: SMTP from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")

# The escalation sweep (DESIGN §5): the database column is the timer; beat only wakes it up.
PETITION_SWEEP_SECONDS = env_int("PETITION_SWEEP_SECONDS", 60)
OUTBOX_SEND_SECONDS = env_int("OUTBOX_SEND_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "record-heartbeat": {
        "task": "governance.tasks.record_heartbeat_task",
        "schedule": float(HEARTBEAT_INTERVAL_SECONDS),
    },
    "escalate-overdue": {
        "task": "petitions.tasks.escalate_overdue_task",
        "schedule": float(PETITION_SWEEP_SECONDS),
        # A sweep that waited longer than one interval is superseded by the next one.
        "options": {"expires": float(PETITION_SWEEP_SECONDS)},
    },
    "note-overdue-work-orders": {
        "task": "volunteers.tasks.note_overdue_work_orders_task",
        "schedule": float(PETITION_SWEEP_SECONDS),
        "options": {"expires": float(PETITION_SWEEP_SECONDS)},
    },
    "check-rollups": {
        "task": "petitions.tasks.check_rollups_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "send-outbox": {
        "task": "notifications.tasks.send_outbox_task",
        "schedule": float(OUTBOX_SEND_SECONDS),
        "options": {"expires": float(OUTBOX_SEND_SECONDS)},
    },
}

# Logs go to stderr: JSON lines with LOG_FORMAT=json (production: docker-compose.yml, `make
# prod`), readable text otherwise (governance.logs). Every request is one line of
# governance.request (request id, user id, method, path, status, duration), so the web
# servers' own access logs are off (runserver's django.server lines, gunicorn's access log).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "governance.logs.TextFormatter"},
        "json": {"()": "governance.logs.JSONFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}

SITE_TITLE = _("Party-building-led grassroots governance")
