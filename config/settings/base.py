"""Settings shared by every environment; every value comes from the environment.

Embedded default: SQLite and eager Celery tasks, so one command runs a demo.
"""

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def env_rate(name: str, default: str) -> str | None:
    """A throttle rate from the environment (``120/min``); ``off`` switches it off."""
    value = env(name, default=default).strip()
    if value.lower() in {"", "off", "none"}:
        return None
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 120/min, or off: {value!r}")
    return value


SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "config.outbox",
    "portrait",
    "qualification",
    "crm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body; after the locale, so the 413 speaks the client's language.
    "config.middleware.ApiBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changed what: the history of a save names the request's user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers some requests itself, and those keep the headers set above.
    "config.middleware.RefuseUnstorableQueryMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "qualification.context_processors.navigation",
                "portrait.context_processors.acknowledgement",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a connection per request costs PostgreSQL a new backend with
# cold caches (measured: 25 ms of every bulk push over gunicorn). The health check
# replaces a connection the server has dropped.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and eager tasks share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds idempotency keys and throttle counts. Only Redis shares them between
# processes: with several web processes set CACHE_URL (any django-environ cache URL) or
# REDIS_URL. The local default suits one process (the embedded demo).
if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif env("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"].setdefault("KEY_PREFIX", "portrait-crm")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("uk", _("Ukrainian")),
    ("pl", _("Polish")),
    ("ru", _("Russian")),
    ("he", _("Hebrew")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "qualification:queue"

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portrait-crm@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes the e-mails it "sends".
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=None)

# The audit trail (django-simple-history) is read, never rolled back from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.api.StablePagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonymousRateThrottle",
        "config.throttling.UserRateThrottle",
        "config.throttling.ScopedRateThrottle",
    ],
    # ``120/min``, ``10/s``, ``5000/hour``; ``off`` switches one off.
    "DEFAULT_THROTTLE_RATES": {
        # Calls without valid credentials, per address: they can only be refused.
        "anon": env_rate("API_THROTTLE_ANON", "60/min"),
        # Every call of an account: a pull of a million leads at 500 a page is 2,000 calls.
        "user": env_rate("API_THROTTLE_USER", "600/min"),
        # Bulk pushes, on top of ``user``: 120 batches of 1,000 leads a minute per account.
        "bulk": env_rate("API_THROTTLE_BULK", "120/min"),
    },
    # Proxies in front of the app that append to X-Forwarded-For: the anonymous rate
    # counts the address they saw. Unset: DRF's default (the header as sent, if any).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=None),
}

# The largest body the API reads. The largest batch it documents is 1,000 leads with
# attributes of 16 KB each (16,384 bytes of UTF-8 JSON, as the sync measures them) and
# every other field at its longest: 18,656,089 bytes sent as UTF-8. A client whose
# encoder escapes non-ASCII text (Python's json.dumps and PHP's json_encode do by
# default) writes a Cyrillic letter, two bytes in UTF-8, as six (\u0457): the same
# batch is 54,800,089 bytes (52.3 MiB; tests/config/test_body_limit.py builds it).
# 56 MiB (58,720,256 bytes) leaves 7 % for white space.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=56 * 1024 * 1024)
# An import job's upload (POST /api/v1/lead-imports/) is streamed to disk, so it may be
# far larger than a JSON body: a million leads of an Excel export are about 150 MB.
LEAD_IMPORT_MAX_BYTES = env.int("LEAD_IMPORT_MAX_BYTES", default=1024 * 1024 * 1024)
# Where uploaded import files wait for their job; web and worker processes must share it.
LEAD_IMPORTS_DIR = env("LEAD_IMPORTS_DIR", default=str(BASE_DIR / "var" / "imports"))
# Rows per import chunk (one transaction each), and how long one task writes chunks
# before it hands the job to its own next message (under the broker's visibility timeout).
LEAD_IMPORT_CHUNK_ROWS = env.int("LEAD_IMPORT_CHUNK_ROWS", default=10_000)
LEAD_IMPORT_TASK_SECONDS = env.float("LEAD_IMPORT_TASK_SECONDS", default=60)

# Safe retries (config/idempotency.py): a POST's answer is kept this long for a retry
# with the same Idempotency-Key...
IDEMPOTENCY_KEY_SECONDS = env.int("IDEMPOTENCY_KEY_SECONDS", default=24 * 60 * 60)
# ...and a key stays claimed this long by a request that never answers (its process died).
# Keep it above the server's request timeout (gunicorn: 30 s).
IDEMPOTENCY_LOCK_SECONDS = env.int("IDEMPOTENCY_LOCK_SECONDS", default=60)

SPECTACULAR_SETTINGS = {
    "TITLE": "Portrait CRM API",
    "DESCRIPTION": "Portrait of the ideal client, the qualification funnel and lead sync.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from our own static files: the docs work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind": each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "AlertKindEnum": "qualification.models.plans.AlertKind",
        "ClientKindEnum": "crm.choices.ClientKind",
        "NegotiationEntryKindEnum": "crm.choices.NegotiationEntryKind",
        "ChannelEnum": "crm.choices.Channel",
        "FeedbackKindEnum": "crm.choices.FeedbackKind",
        "FeedbackStatusEnum": "crm.choices.FeedbackStatus",
        "DocumentStatusEnum": "portrait.choices.DocumentStatus",
        "EvaluationRunStatusEnum": "qualification.models.evaluations.EvaluationRunStatus",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
# No broker configured: run tasks in-process so the embedded default needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="portrait-crm")
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died (killed, out of memory) goes back to the queue instead
# of being acknowledged as failed: every task is idempotent, so running it again is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Background work survives its infrastructure (config/background.py): each task is an
# outbox row written with the work that needs it, sent after commit; the sweep sends
# the rows still unsent after OUTBOX_GRACE_SECONDS, and asks again for the runs and
# alerts with no progress for BACKGROUND_STALL_SECONDS.
BACKGROUND_SWEEP_SECONDS = env.int("BACKGROUND_SWEEP_SECONDS", default=60)
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=60)
# Above the longest task: a chunk of 50,000 leads takes about 0.4 s (20 in series, 8.0 s),
# and a task waits in no worker's hands for long (one prefetched message per process).
BACKGROUND_STALL_SECONDS = env.int("BACKGROUND_STALL_SECONDS", default=300)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# Redis gives a message a worker took and never acknowledged (the worker was killed) to
# another worker after this long: the stall period, so the transport and the sweep agree
# (Redis's own default is an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BACKGROUND_STALL_SECONDS}
# How often the beat sends the webhook deliveries that are due; a run that waited longer
# than this in the queue is dropped, the next one does its work.
WEBHOOK_SEND_INTERVAL_SECONDS = env.int("WEBHOOK_SEND_INTERVAL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE: dict = {
    # Outbox rows never sent, runs and alerts that stalled: sent or asked for again.
    "background-sweep": {
        "task": "config.outbox.tasks.background_sweep_task",
        "schedule": BACKGROUND_SWEEP_SECONDS,
    },
    # The funnel's guards: uncovered plans and high override rates raise alerts.
    "funnel-alerts-check": {
        "task": "qualification.tasks.alerts_check_task",
        "schedule": env.int("ALERTS_CHECK_INTERVAL_SECONDS", default=3600),
    },
    # Negotiations past their deadline without an outcome alert the managers.
    "negotiations-overdue-check": {
        "task": "crm.tasks.negotiations_overdue_check_task",
        "schedule": env.int("NEGOTIATIONS_CHECK_INTERVAL_SECONDS", default=900),
    },
    # Feedback past a deadline unanswered is escalated (bad news flies).
    "feedback-overdue-check": {
        "task": "crm.tasks.feedback_overdue_check_task",
        "schedule": env.int("FEEDBACK_CHECK_INTERVAL_SECONDS", default=60),
    },
    # Webhooks due for their first try or a retry; the rows are the queue, not the broker.
    "webhook-deliveries-send-due": {
        "task": "crm.tasks.webhook_deliveries_send_due_task",
        "schedule": WEBHOOK_SEND_INTERVAL_SECONDS,
        "options": {"expires": WEBHOOK_SEND_INTERVAL_SECONDS},
    },
    # Owners hear of the clients nobody has contacted: one digest each per period,
    # however often this runs.
    "no-contact-digest": {
        "task": "crm.reports.tasks.no_contact_digest_task",
        "schedule": env.int("NO_CONTACT_DIGEST_CHECK_INTERVAL_SECONDS", default=3600),
    },
}

# Domain settings
PORTRAIT_CRM = {
    # An alert is raised when a salesperson overrides more than this share of
    # the portrait's "interesting" suggestions.
    "OVERRIDE_RATE_ALERT_THRESHOLD": env.float("OVERRIDE_RATE_ALERT_THRESHOLD", default=0.3),
    # Conversion assumed for the active pool before any history exists.
    "DEFAULT_CONVERSION_RATE": env.float("DEFAULT_CONVERSION_RATE", default=0.1),
    "EVALUATION_CHUNK_SIZE": env.int("EVALUATION_CHUNK_SIZE", default=50_000),
    "BULK_UPSERT_MAX_ITEMS": 1000,
    # The queue counts its leads up to this many and then says "more than": a count
    # reads every matching lead, so an exact one grows with the table.
    "QUEUE_COUNT_LIMIT": env.int("QUEUE_COUNT_LIMIT", default=10_000),
    # The company's own currency (ISO 4217): plans and coverage add contracts up in it.
    "CURRENCY": env("COMPANY_CURRENCY", default="UAH"),
    # Check the funnel's alerts when its figures change (a decision, a stage moved, a plan
    # saved), at commit: the default without a broker, where no beat runs the periodic check.
    "ALERTS_CHECK_ON_CHANGE": env.bool("ALERTS_CHECK_ON_CHANGE", default=not CELERY_BROKER_URL),
    # Conversion is measured over the decisions of this many trailing months.
    "CONVERSION_WINDOW_MONTHS": env.int("CONVERSION_WINDOW_MONTHS", default=12),
    # Webhooks: a failed delivery is tried again after this many seconds, twice as long
    # after each next failure, at most WEBHOOK_RETRY_MAX_SECONDS apart, until this long
    # after its first attempt; then it is marked failed.
    "WEBHOOK_RETRY_BASE_SECONDS": env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30),
    "WEBHOOK_RETRY_MAX_SECONDS": env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600),
    "WEBHOOK_RETRY_FOR_SECONDS": env.float("WEBHOOK_RETRY_FOR_SECONDS", default=24 * 3600),
    # Connecting to a receiver and each wait for its answer.
    "WEBHOOK_TIMEOUT_SECONDS": env.float("WEBHOOK_TIMEOUT_SECONDS", default=10),
    # A client nobody has contacted (feedback, a negotiation entry, a contract, a delay)
    # for this many days is flagged to its owner.
    "NO_CONTACT_DAYS": env.int("NO_CONTACT_DAYS", default=30),
    # Each owner gets one digest of those clients per period of this many days (7: weekly,
    # from Monday).
    "NO_CONTACT_DIGEST_DAYS": env.int("NO_CONTACT_DIGEST_DAYS", default=7),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
