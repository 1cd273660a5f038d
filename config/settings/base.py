"""Settings shared by every environment, read from the environment with django-environ.

Embedded default (nothing set): a SQLite file and Celery running tasks in-process (eager).
Set ``DATABASE_URL`` for PostgreSQL (psycopg 3) and ``REDIS_URL`` for a real broker.
Every variable is documented in ``.env.example``.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for development; production reads the real environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Development-only fallback: production.py refuses to start without a real SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789-abcdefghijklmnop")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with the project's admin site (ids and dates checked).
    "housing.admin_apps.BoligAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_htmx",
    "simple_history",
    "housing.axes_app.AxesConfig",  # django-axes, with a Danish name in the admin
    "csp",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    # Our apps, in dependency order (enforced by import-linter, .importlinter): housing <- letters <-
    # waitinglists <- allocation <- approvals | rejections <- complaints <- letting; eldercare on
    # housing and letters.
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
    # The letting scenarios (issue 17): above every other app, nothing imports them.
    "simulation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "housing.middleware.DanishFirstLocaleMiddleware",
    # Before anything reads a field: a NUL character is refused with a 400.
    "housing.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Needs request.user; static files never reach it (whitenoise answers them above).
    "housing.middleware.PrivateResponseMiddleware",
    # Before LoginRequiredMiddleware, so that a session it ends is sent to the login page.
    "housing.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before LoginRequiredMiddleware, which would copy a CPR in the query into the login ?next=.
    "housing.cpr_in_urls.KeepCprOutOfUrlsMiddleware",
    # A repeated or concurrent submit of the same form has one effect (housing.idempotency).
    "housing.idempotency.IdempotentSubmitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "housing.context_processors.staff_context",
                "housing.context_processors.csp_nonce",
            ],
            # {% csrf_token %} also renders the form's submission key (idempotent POSTs).
            "builtins": ["housing.templatetags.submission"],
        },
    },
]
# Forms render with Det Fælles Designsystem markup (templates/forms/).
FORM_RENDERER = "housing.forms_renderer.DesignSystemFormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The ranking's statements are short index walks; PostgreSQL's JIT would spend seconds
    # compiling them on a large list (measured by manage.py bench_ranking). They are prepared
    # (allocation.services.candidates.statement) so that each is planned once per connection:
    # "force_generic_plan" keeps PostgreSQL from planning them again for every ranking, as its
    # "auto" does when it guesses a plan for the values in hand might be cheaper. Only prepared
    # statements are affected, and only the ranking prepares any (Django binds on the client).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c plan_cache_mode=force_generic_plan"
    )
    # A prepared statement lives as long as its connection: kept between requests (checked
    # before reuse), a worker prepares the ranking's statements once, not on every page.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded mode runs its jobs in a background thread beside the requests (config/celery.py):
    # WAL lets a page read while a job writes; IMMEDIATE takes the write lock at BEGIN, so two writers
    # queue on the timeout instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Covering indexes (INCLUDE) serve PostgreSQL's list pages at national scale; SQLite builds
    # them without the extra columns, which is all the embedded demo needs — no warning on every start.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Session idle timeout: housing.middleware.IdleSessionMiddleware ends a session that has seen no
# request from the user for SESSION_IDLE_MINUTES; the session is saved (and its expiry renewed)
# only when a request changes it, so htmx polling (which the middleware leaves untouched) does not
# keep an unattended session alive.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# The client's address (housing.client_address): X-Forwarded-For is believed only from these
# reverse proxies (addresses or networks); with none configured every request's address is its
# REMOTE_ADDR, so a client cannot choose the address it is locked out under.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# django-axes (housing.lockout.LockoutHandler): failed logins are limited per username + address,
# per username from any address (AXES_FAILURE_LIMIT) and per address over all usernames
# (AXES_ADDRESS_FAILURE_LIMIT: one password sprayed over many usernames).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "housing.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "housing.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "cpr"]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# Content-Security-Policy (django-csp): scripts only from this site or with the response's nonce,
# never inline without it; no inline styles at all (htmx's indicator styles are switched off in
# base.html and shipped in static/css/app.css). object-src 'self' is for the letter's PDF preview.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [SELF],
        "frame-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (housing.middleware.PrivateResponseMiddleware): no page needs these features.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Development and tests serve files as they are; production.py adds hashed, compressed names.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Exports (housing.exports): large files of personal data, made by a background job and fetched
# from their job's page. The worker writes them and the web process serves them, so with a separate
# worker both must see this directory. Files older than EXPORT_RETENTION_DAYS are deleted nightly.
EXPORT_ROOT = Path(env.str("EXPORT_ROOT", default=str(BASE_DIR / "var" / "exports")))
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# An export of fewer rows than this is streamed straight to the browser; a larger one is a job.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=5000)
# A running export shows a sign of life every EXPORT_HEARTBEAT_SECONDS; one silent for
# EXPORT_STALE_AFTER_SECONDS died with its worker. One queued for EXPORT_QUEUED_TIMEOUT_SECONDS was
# never picked up. Either is closed as failed, and asking again starts a new job.
EXPORT_HEARTBEAT_SECONDS = env.float("EXPORT_HEARTBEAT_SECONDS", default=2)
EXPORT_STALE_AFTER_SECONDS = env.float("EXPORT_STALE_AFTER_SECONDS", default=120)
EXPORT_QUEUED_TIMEOUT_SECONDS = env.float("EXPORT_QUEUED_TIMEOUT_SECONDS", default=1800)

# Personal data: CPR numbers are stored Fernet-encrypted and found through a keyed HMAC.
# The development defaults below are only for the embedded demo; production requires real keys.
CPR_ENCRYPTION_KEYS = env.list(
    "CPR_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktY3ByLWtleS0wMTIzNDU2Nzg5YWJjZGU="]
)
CPR_HASH_KEY = env.str("CPR_HASH_KEY", default="dev-only-cpr-hash-key")

# Celery: eager (in-process) unless a Redis broker is configured.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=30 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=35 * 60)
# Must exceed the hard time limit, or Redis redelivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 10 * 60}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Killed workers (letters.jobs): a running job writes a heartbeat every JOBS_HEARTBEAT_SECONDS; a
# run silent for JOBS_STALE_AFTER_SECONDS is closed as failed and a new run takes over its work.
# The recovery task that does it runs every JOBS_RECOVERY_INTERVAL_SECONDS — not left to the
# Redis visibility timeout above, which must stay longer than the longest task.
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=15)
JOBS_STALE_AFTER_SECONDS = env.float("JOBS_STALE_AFTER_SECONDS", default=120)
JOBS_RECOVERY_INTERVAL_SECONDS = env.float("JOBS_RECOVERY_INTERVAL_SECONDS", default=60)
# Infrastructure, not a business schedule: the DatabaseScheduler copies it into the database
# (where it shows in the admin); `celery beat` with the default scheduler reads it from here.
CELERY_BEAT_SCHEDULE = {
    "recover-stopped-job-runs": {
        "task": "letters.recover_stopped_runs",
        "schedule": JOBS_RECOVERY_INTERVAL_SECONDS,
        "options": {"expires": JOBS_RECOVERY_INTERVAL_SECONDS},
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# The JSON API (letting/api.py): staff sessions only, read-only JSON, documented with OpenAPI.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Boligadministration API",
    "DESCRIPTION": "Read access for staff of housing organisations (tenant-scoped, session authentication).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The list kinds name both the list a candidate stands on and whose turn a vacancy is.
    "ENUM_NAME_OVERRIDES": {"ListKindEnum": "waitinglists.models.ListKind"},
}

# The named system user that periodic jobs and commands act as in the audit trail.
SYSTEM_USERNAME = "system"

# No CPR number in any log output: every handler gets the redacting filter (message,
# arguments, exception text, stack) and the redacting formatter (the finished line). Django's own
# defaults are replaced, not kept beside ours: its "django" logger would otherwise also write to an
# unfiltered console handler (DEBUG) and to "mail_admins", whose e-mail carries the request's POST
# data and the traceback's local variables; "django.server" (runserver's request lines, with the
# query string) and gunicorn's loggers go through the same console handler. Celery is told not to
# install handlers of its own (config/celery.py, setup_logging), so the worker logs through these
# too. tests/system/test_cpr_logging.py checks every handler attached anywhere in the process.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_cpr": {"()": "housing.logging.RedactCprFilter"}},
    "formatters": {
        "plain": {
            "()": "housing.logging.RedactCprFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_cpr"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # No handlers of their own: they propagate to the root's redacting console handler.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
        "celery": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Letters (letters/): Digital Post transport and where the filesystem outbox writes MeMo files.
# "filesystem" (default; also what tests use) or "serviceplatformen" (production, needs a certificate).
LETTERS_DIGITAL_POST_TRANSPORT = env.str("LETTERS_DIGITAL_POST_TRANSPORT", default="filesystem")
LETTERS_OUTBOX_DIR = Path(env.str("LETTERS_OUTBOX_DIR", default=str(BASE_DIR / "var" / "outbox")))
# How long a dispatcher's claim on a letter lasts before another run may take the letter over.
LETTERS_CLAIM_LEASE_SECONDS = env.int("LETTERS_CLAIM_LEASE_SECONDS", default=300)
LETTERS_DISPATCH_BATCH_SIZE = env.int("LETTERS_DISPATCH_BATCH_SIZE", default=25)
# Serviceplatformen (SF1601 KombiPostAfsend): OCES3 certificate in one PEM file, and the environment.
SERVICEPLATFORMEN_CERT_PATH = env.str("SERVICEPLATFORMEN_CERT_PATH", default="")
SERVICEPLATFORMEN_ENVIRONMENT = env.str(
    "SERVICEPLATFORMEN_ENVIRONMENT", default="https://exttest.serviceplatformen.dk/"
)
SERVICEPLATFORMEN_SENDER_CVR = env.str("SERVICEPLATFORMEN_SENDER_CVR", default="")
# E-mail: only "you have a letter" notices ever go by e-mail, never a letter's content.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Boligadministration <noreply@boligadmin.invalid>")
