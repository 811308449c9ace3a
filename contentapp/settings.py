"""The one settings file. Every value comes from the environment (see .env.example).

Development defaults need nothing set: DEBUG is on and, without DATABASE_URL / REDIS_URL, the
embedded PostgreSQL (pgvector) and Redis under ./var/ are started on demand. Production sets
DEBUG=0, which makes SECRET_KEY, ALLOWED_HOSTS and FIELD_ENCRYPTION_KEYS required.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext

from contentapp.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    load_dotenv,
    parse_database_url,
)
from core import embedded

# Generic model admin, querysets and forms at run time too (ModelAdmin[Post]), for the types.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-only-for-local-development-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-insecure"):
        raise ImproperlyConfiguredEnv("SECRET_KEY must be a random string of 50+ characters.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfiguredEnv("ALLOWED_HOSTS must list the host names served when DEBUG=0.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",  # ordinals: "51st percentile"
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "ninja",  # the API's schemas and its reference page's assets (served by us)
    # Ours, in layer order (docs/architecture.md).
    "core",
    "accounts",
    "notifications",
    "personas",
    "llm",
    "billing",
    "posts",
    "voice",
    "pillars",
    "generation",
    "trends",
    "publishing",
    "inbox",
    "calendar_app",
    "composer",
    "analytics",
    "home",
    "api",
]

MIDDLEWARE = [
    "contentapp.http.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times on a page are shown in the persona's zone (or the viewer's): see personas.middleware.
    "personas.middleware.DisplayZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxMessagesMiddleware",
    # The API's POSTs with an Idempotency-Key answer the same way twice (api/middleware.py).
    "api.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "contentapp.urls"
WSGI_APPLICATION = "contentapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials", "core.templatetags.links"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.workspace",
                "personas.context_processors.persona",
                "billing.context_processors.billing",
                "notifications.context_processors.notifications",
            ],
        },
    }
]

# Form fields (`{{ field }}`, `as_field_group`) through Django's own Jinja2 form templates: the
# same HTML as its Django-template ones, at about half the CPU (core/forms.py). Page templates
# stay Django templates.
FORM_RENDERER = "core.forms.FormRenderer"

# --- Database and Redis -------------------------------------------------------------------

_database_url = env_str("DATABASE_URL", "") or None
_redis_url = env_str("REDIS_URL", "") or None
if _database_url is None or _redis_url is None:
    _endpoints = embedded.ensure_running(database=_database_url is None, redis=_redis_url is None)
    _database_url = _database_url or _endpoints.database_url
    _redis_url = _redis_url or _endpoints.redis_url
assert _database_url is not None and _redis_url is not None
DATABASE_URL: str = _database_url
REDIS_URL: str = _redis_url

DATABASES = {"default": parse_database_url(DATABASE_URL)}
# Another database on the same server (benchmarks use their own so they never touch yours).
DATABASES["default"]["NAME"] = env_str("DATABASE_NAME", str(DATABASES["default"]["NAME"]))
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_contentapp")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _celery_broker_url(url: str) -> str:
    # redis-py spells a Unix socket unix:///path; kombu spells it redis+socket:///path.
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CACHES = {
    "default": {
        # Pages keep working while Redis is down: reads miss, writes are skipped (logged).
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ct"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    },
    # `{% cache %}` fragments, kept in each process: every fragment's key names all it depends on
    # (a version, a change time, the query), so no change has to clear one, and a page reads its
    # fragment without a Redis round trip or moving its kilobytes. At most ~500 × 30 KB a process.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": 86400,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# The signed-in user read from the cache (accounts/backends.py); Django's own backend after it
# only for sessions signed in before it (it never checks a password).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedUserBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Failed logins per account and per IP address within the window before further attempts wait.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7, minimum=1)

# --- Email ----------------------------------------------------------------------------------

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST", "")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ContentTwin <noreply@contenttwin.local>")

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "core.sessions"  # read from Redis, kept in PostgreSQL
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=60)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Passwords, tokens and keys marked with sensitive_variables / sensitive_post_parameters are
# hidden on the DEBUG page too, not only in error mails.
DEFAULT_EXCEPTION_REPORTER_FILTER = "contentapp.http.SecretsHiddenFilter"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Secrets at rest (platform tokens, API keys): MultiFernet keys, newest first, comma separated.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS",
    ["4lx_mIh1e3YtqwK4f_hE8JGLglji4tlfiXN2U5fm6uE="] if DEBUG else [],
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfiguredEnv("FIELD_ENCRYPTION_KEYS must be set when DEBUG=0.")

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded images (attached to scheduled posts). Served only through permission-checked views
# (and signed links for platforms that fetch an image by URL), never as public files.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Celery ---------------------------------------------------------------------------------

# The longest task we allow; Redis redelivers unacknowledged tasks after visibility_timeout,
# so it must stay well above this or a slow task would run twice.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 6,
    # A hung Redis (stopped, not down: it accepts connections and never answers) must not
    # hold a page: every broker call gives up within 2 s, and the beat sweep sends later.
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The queue producers send to and the worker consumes (a benchmark runs its own app on its own).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Lanes (core/lanes.py): sends and bulk work in queues of their own, each with its own
# workers, so a 10,000-post import never holds up a post that is due. CELERY_LANES=0 puts every
# task in the default queue (one worker then serves everything).
CELERY_LANES = env_bool("CELERY_LANES", True)
CELERY_TASK_ROUTES = ("core.lanes.route",) if CELERY_LANES else ()
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "contentapp.beat:HeartbeatDatabaseScheduler"
# Publishing: a target claimed or being sent without its lease renewed for this long has lost
# its worker (a send then counts as "unknown" and is reconciled with the platform before
# anything else). A live worker renews it every third of this while it waits on a platform.
PUBLISH_LEASE_SECONDS = env_int("PUBLISH_LEASE_SECONDS", 30, minimum=10)
PUBLISH_TIMEOUT_SECONDS = env_int("PUBLISH_TIMEOUT_SECONDS", 20, minimum=1)
# Platform clients. A platform whose client id is empty is shown as "not configured" (with
# these names to set); the URLs are the real services' and are only changed for tests.
X_CLIENT_ID = env_str("X_CLIENT_ID", "")
X_CLIENT_SECRET = env_str("X_CLIENT_SECRET", "")
X_AUTHORIZE_URL = env_str("X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize")
X_API_URL = env_str("X_API_URL", "https://api.x.com")
LINKEDIN_CLIENT_ID = env_str("LINKEDIN_CLIENT_ID", "")
LINKEDIN_CLIENT_SECRET = env_str("LINKEDIN_CLIENT_SECRET", "")
LINKEDIN_AUTH_URL = env_str("LINKEDIN_AUTH_URL", "https://www.linkedin.com")
LINKEDIN_API_URL = env_str("LINKEDIN_API_URL", "https://api.linkedin.com")
LINKEDIN_VERSION = env_str("LINKEDIN_VERSION", "202510")  # the Posts API's monthly version
THREADS_APP_ID = env_str("THREADS_APP_ID", "")
THREADS_APP_SECRET = env_str("THREADS_APP_SECRET", "")
THREADS_AUTHORIZE_URL = env_str("THREADS_AUTHORIZE_URL", "https://threads.net/oauth/authorize")
THREADS_API_URL = env_str("THREADS_API_URL", "https://graph.threads.net")
BLUESKY_SERVICE = env_str("BLUESKY_SERVICE", "https://bsky.social")  # the default PDS
# Outbound requests (core.egress) never go to loopback, private, link-local or metadata
# addresses; an operator who runs a model server or a feed on their own network lists its host
# names, addresses or networks here (e.g. "localhost,127.0.0.1,10.0.0.0/8").
ALLOW_PRIVATE_HOSTS = env_list("ALLOW_PRIVATE_HOSTS", [])
# A running job renews its lease every third of this; a job whose worker died is taken over
# once it expires (the sweeps below run every JOB_SWEEP_SECONDS).
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 30, minimum=3)
JOB_SWEEP_SECONDS = env_int("JOB_SWEEP_SECONDS", 15, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 30.0},
    "sweep-stalled-imports": {
        "task": "posts.tasks.sweep_stalled_imports",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    "dispatch-voice-analyses": {
        "task": "voice.tasks.dispatch_due_analyses",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    "sweep-unembedded-posts": {"task": "posts.tasks.sweep_unembedded", "schedule": 600.0},
    "publishing-sweep": {
        "task": "publishing.tasks.sweep",
        "schedule": float(env_int("PUBLISH_SWEEP_SECONDS", 5, minimum=1)),
    },
    "pillars-sweep": {"task": "pillars.tasks.sweep", "schedule": float(JOB_SWEEP_SECONDS)},
    "inbox-sync-due": {"task": "inbox.tasks.sync_due", "schedule": 60.0},
    # Each source has its own interval; this only looks for the ones that are due.
    "trends-scan-due": {"task": "trends.tasks.scan_due_sources", "schedule": 60.0},
    "analytics-sync-metrics": {"task": "analytics.tasks.sync_metrics", "schedule": 300.0},
    # Daily digests go out in each reader's own morning; mails lost on the way are resent.
    "notifications-digests": {"task": "notifications.tasks.send_digests", "schedule": 3600.0},
    "dispatch-abandoned-generations": {
        "task": "generation.tasks.dispatch_abandoned",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    "evergreen-sweep": {"task": "calendar_app.tasks.evergreen_sweep", "schedule": 3600.0},
    "dispatch-abandoned-repurposes": {
        "task": "composer.tasks.dispatch_abandoned",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    # Event webhooks whose retry is due (each is also sent at once when the event happens).
    "notifications-deliver-events": {
        "task": "notifications.tasks.deliver_due_events",
        "schedule": 30.0,
    },
    "api-forget-idempotency-keys": {
        "task": "api.tasks.forget_idempotency_keys",
        "schedule": 3600.0,
    },
}
# Requests a minute per API token (0: no limit); over it, 429 with Retry-After.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600, minimum=0)
# /healthz reports unhealthy when the worker or beat has not been heard from for this long.
HEARTBEAT_MAX_AGE_SECONDS = env_int("HEARTBEAT_MAX_AGE_SECONDS", 120, minimum=10)

# --- AI layer -------------------------------------------------------------------------------

LLM_PROVIDERS = env_list("LLM_PROVIDERS", ["offline"])
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 60, minimum=1)
OPENAI_API_KEY = env_str("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL", "")  # any OpenAI-compatible server
EMBEDDINGS = env_choice("EMBEDDINGS", "local", ("local", "openai"))
OPENAI_EMBEDDING_MODEL = env_str("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
if EMBEDDINGS == "openai" and not OPENAI_API_KEY:
    raise ImproperlyConfiguredEnv("EMBEDDINGS=openai needs OPENAI_API_KEY.")
OPENAI_CHAT_MODEL = env_str("OPENAI_CHAT_MODEL", "gpt-4o-mini")
# Voice notes in other languages than US English (or more accurately) through OpenAI's audio
# transcriptions, e.g. whisper-1 or gpt-4o-mini-transcribe; empty: offline only, unless a
# workspace adds a model with a transcription model on its Models page.
OPENAI_TRANSCRIPTION_MODEL = env_str("OPENAI_TRANSCRIPTION_MODEL", "")
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY", "")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL", "")
ANTHROPIC_MODEL = env_str("ANTHROPIC_MODEL", "claude-haiku-4-5")
for _name in LLM_PROVIDERS:
    if _name not in ("openai", "anthropic", "offline"):
        raise ImproperlyConfiguredEnv(
            f"LLM_PROVIDERS: unknown provider {_name!r} (use openai, anthropic, offline)."
        )
    if _name != "offline" and not globals()[f"{_name.upper()}_API_KEY"]:
        raise ImproperlyConfiguredEnv(
            f"LLM_PROVIDERS has {_name} but {_name.upper()}_API_KEY is empty."
        )
# Trend sources: how long one request to a feed / Hacker News / Mastodon may take.
TRENDS_TIMEOUT_SECONDS = env_int("TRENDS_TIMEOUT_SECONDS", 10, minimum=1)
# The real services; changed only for tests.
HN_API_URL = env_str("HN_API_URL", "https://hn.algolia.com")
REDDIT_AUTH_URL = env_str("REDDIT_AUTH_URL", "https://www.reddit.com")
REDDIT_API_URL = env_str("REDDIT_API_URL", "https://oauth.reddit.com")
YOUTUBE_API_URL = env_str("YOUTUBE_API_URL", "https://www.googleapis.com")
# Billing: without a Stripe secret key the install is self-hosted (unlimited, no billing
# pages). STRIPE_API_URL is Stripe's own address, changed only for tests.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_URL = env_str("STRIPE_API_URL", "https://api.stripe.com")
# Pages a form's answer may redirect to (the Content-Security-Policy's form-action): Stripe's
# hosted Checkout and Customer Portal when billing is on.
CSP_FORM_ACTION_ORIGINS = env_list(
    "CSP_FORM_ACTION_ORIGINS",
    ["https://checkout.stripe.com", "https://billing.stripe.com"] if STRIPE_SECRET_KEY else [],
)
# Generations a user may start per rolling hour and day.
GENERATIONS_PER_HOUR = env_int("GENERATIONS_PER_HOUR", 20, minimum=1)
GENERATIONS_PER_DAY = env_int("GENERATIONS_PER_DAY", 100, minimum=1)
# Most rows the upload page previews and imports at once (the import_posts command has no limit).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500, minimum=1)
# Imports with more rows than this run as a background job with a progress bar.
IMPORT_BACKGROUND_ABOVE = env_int("IMPORT_BACKGROUND_ABOVE", 100, minimum=0)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# How often each connected account's mentions and replies are read (seconds); a failing account
# backs off on its own, up to an hour.
INBOX_SYNC_SECONDS = env_int("INBOX_SYNC_SECONDS", 300, minimum=30)
# Voice notes: the longest recording, the largest file, and how long the audio is kept (the
# transcript and the ideas stay); 0 keeps audio until the note is deleted.
VOICE_NOTE_MAX_SECONDS = env_int("VOICE_NOTE_MAX_SECONDS", 120, minimum=5)
VOICE_NOTE_MAX_BYTES = env_int("VOICE_NOTE_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
VOICE_NOTE_RETENTION_DAYS = env_int("VOICE_NOTE_RETENTION_DAYS", 30, minimum=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# --- Logging --------------------------------------------------------------------------------

LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "contentapp.http.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "contentapp.http.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our RequestLogMiddleware writes the one line per request; runserver's would repeat it.
        "django.server": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        # One line per outgoing request is noise at volume; failures are logged by our code.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}
