"""CollabHub settings: everything comes from the environment, with safe defaults for one machine.

Every variable read here is listed, with its default, in `.env.example` and the README.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The portal served on one machine over plain HTTP, as `make run` and `make dev` serve it
# (the Makefile sets LOCAL_RUN=1): an explicit opt-in, never a default. With it, DEBUG is off
# unless DEBUG=1 (`make dev`), the secret key is generated once into VAR_DIR, the local host
# names are allowed, and the HTTPS settings (redirect, secure cookies, HSTS) default to off,
# since the server speaks plain HTTP on 127.0.0.1; each still follows the environment.
LOCAL_RUN = envbool("LOCAL_RUN", False)
# Without LOCAL_RUN, DEBUG is on unless DEBUG=0 (a developer's `manage.py`, the tests);
# production sets DEBUG=0 and SECRET_KEY, and then every security default below turns strict.
DEBUG = envbool("DEBUG", not LOCAL_RUN)
# Plain HTTP: with DEBUG, or on one machine. Production (neither) defaults to HTTPS only.
PLAIN_HTTP = DEBUG or LOCAL_RUN
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _generated_key(path: Path) -> str:
    """The key kept in `path`, made on first use. Made in a file of its own and linked into
    place, so a key is never seen half written, never readable by others, and two processes
    starting at once (the server, the worker, the periodic jobs) end up with the same key."""
    if not path.exists():
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):  # another process was first: theirs
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not PLAIN_HTTP:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (LOCAL_RUN=1, which `make run` sets, "
            "generates one for a single machine)."
        )
    # One machine (DEBUG on, or LOCAL_RUN): generate the key once and keep it, so sessions
    # survive restarts. Several machines need the same key: production sets SECRET_KEY.
    return _generated_key(VAR_DIR / "secret_key")


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if PLAIN_HTTP else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_NAME = os.environ.get("SITE_NAME", "CollabHub")
# The port `make run` serves on; the Makefile passes it to every process it starts.
PORT = envint("PORT", 0) or None
# Where people reach the portal, for links written outside a request (emails, text
# messages, the invitation link and its QR code). Unset: this machine on PORT, so that
# `PORT=9000 make run` writes links that work (apps.core.checks warns on a mismatch).
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{PORT or 8000}").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "channels",
    "django_htmx",
    "template_partials",
    # Background tasks: django-tasks (the backport of Django 6's django.tasks) and its
    # database backend, whose table and `db_worker` command are installed whichever backend
    # runs, so switching TASKS_BACKEND needs no migration.
    "django_tasks",
    "django_tasks_db",
    "apps.core",
    "apps.accounts",
    "apps.collabs",
    "apps.chat",
    "apps.notifications",
    "apps.invitations",
    "apps.files",
    "apps.tasks",
    "apps.calendar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON gzipped (static files come precompressed from WhiteNoise, above it);
    # Django's adds random bytes to each response against BREACH ("Heal The Breach").
    "django.middleware.gzip.GZipMiddleware",
    # django-csp's, with the object storage's origin for what pages load from it (csp.py).
    "collabhub.csp.StorageAwareCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "collabhub.urls"
ASGI_APPLICATION = "collabhub.asgi.application"
WSGI_APPLICATION = "collabhub.wsgi.application"

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
                "django.template.context_processors.tz",
                "apps.core.context_processors.site",
                "apps.collabs.context_processors.unread",
                "apps.collabs.context_processors.topbar",
            ],
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL with psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'collabhub.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, for the test database: the browser tests run the real server (Daphne)
    # in a process of its own, which must see the same data. One file per test run, so two
    # runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # Concurrent readers with one writer, and writers wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool("DB_POOL", True):
    # A pool of open connections (psycopg_pool) instead of a new PostgreSQL backend per
    # request or per consumer database hop: a fresh backend costs ~6 ms to open and its first
    # queries run with cold catalog caches (measured in bench/chat: 33 -> 17 ms per send).
    # Persistent connections (CONN_MAX_AGE) are no substitute under ASGI, where each request
    # runs in a thread of its own; Django requires CONN_MAX_AGE=0 with a pool.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN", 2),
        "max_size": envint("DB_POOL_MAX", 20),
        "timeout": 10,
    }
# Threads per server process for the sockets' database work (apps/collabs/live.on_db), beside
# the thread Django gives each page request; each may hold one of the pool's connections.
SOCKET_DB_THREADS = envint("SOCKET_DB_THREADS", 4)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the channel layer and the cache. Unset: in-memory layer and local-memory cache,
# which is right for one process only.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer by default: a group message is published once and each server
    # process fans it out to its own sockets, where the core layer pushes one copy per socket
    # through Redis (bench/chat: it fails on a 1,000-member group and costs a Redis round trip
    # per receiver). Nothing is queued for a socket that is away; the chat catches up on
    # reconnect anyway.
    CHANNEL_LAYER_BACKEND = {
        # channels_redis's, with the sockets told to reconnect (and catch up) when Redis went
        # away, since pub/sub keeps nothing for them meanwhile (collabhub/layers.py).
        "pubsub": "collabhub.layers.RedisPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[os.environ.get("REDIS_CHANNEL_LAYER", "pubsub")]
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("REDIS_PREFIX", "collabhub")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "collabhub"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Files: local under var/media, or S3-compatible object storage when a bucket is named.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# With DEBUG on, WhiteNoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            # Files are private: every download goes through a view that checks access.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    # Hashed names (served with a far-future cache) and compressed copies, made by
    # `collectstatic`, which `make run` runs before serving, as production must.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
AVATAR_MAX_BYTES = envint("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
# The largest file a person may upload (apps.files), in bytes: 100 MB by default.
FILES_MAX_BYTES = envint("FILES_MAX_BYTES", 100 * 1024 * 1024)
# Online editing (apps/files/wopi): the office server's WOPI discovery URL (Collabora Online:
# https://office.example.com/hosting/discovery; OnlyOffice: .../hosting/discovery). Empty: no
# office server, and "Edit online" is not offered.
WOPI_DISCOVERY_URL = os.environ.get("WOPI_DISCOVERY_URL", "")
# Where the office server reaches the portal (the WOPISrc it calls back), when not SITE_URL
# (e.g. an internal address in the same network).
WOPI_HOST_URL = os.environ.get("WOPI_HOST_URL", "").rstrip("/")
# How long an editor's access token lives, in seconds (apps/files/wopi/tokens.py says why 4 h).
WOPI_TOKEN_SECONDS = envint("WOPI_TOKEN_SECONDS", 4 * 3600)

# Email: SMTP when EMAIL_HOST is set, otherwise every message is written to a file in var/mail.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CollabHub <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    # The access layer: user.has_perm("collabs.change_settings", collab) and friends.
    "apps.collabs.permissions.CollabPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "collabs:list"
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# One address per account: a guest invited by email stays bound to it (issue 4).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Failed logins: 5 per 30 minutes per account, as Zulip does; plus a per-address ceiling.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "20/m/ip,5/30m/key",
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
    "login": "30/m/ip",
}
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# Languages and time zones: each user has their own; the interface follows them.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# Security. The Content-Security-Policy allows no inline script, no eval and no inline style;
# htmx is configured in base.html to live with that (no indicator styles, no eval).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if PLAIN_HTTP else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not PLAIN_HTTP)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not PLAIN_HTTP)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not PLAIN_HTTP)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not PLAIN_HTTP)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not PLAIN_HTTP)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    # Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address (rate limits per address, allauth's sign-in limits; apps.core.ratelimit
# .client_address) is REMOTE_ADDR, unless the portal is behind this many proxies of its own:
# then it is the address the outermost of them appended to X-Forwarded-For (counted from the
# right, so a client cannot forge it). `make cluster` sets 1 (its HAProxy); 0 when clients
# reach Daphne directly, since X-Forwarded-For is then whatever the client wrote.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
# /healthz/ is probed over plain HTTP by the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

# Expected refusals (403, 404, 429, a bad request) are one line each: Django logs some with
# the exception's traceback, which buries the server errors (500s keep theirs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_in_one_line": {"()": "collabhub.logs.RefusalsInOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_in_one_line"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # On the logger too, so that every handler (not only ours) gets the one line.
        "django.request": {"filters": ["refusals_in_one_line"]},
    },
}

# Chat: per-user sending limits (a burst and a sustained rate) and the history page size.
CHAT_BURST_MESSAGES = envint("CHAT_BURST_MESSAGES", 10)
CHAT_BURST_SECONDS = envint("CHAT_BURST_SECONDS", 10)
CHAT_SUSTAINED_MESSAGES = envint("CHAT_SUSTAINED_MESSAGES", 60)
CHAT_SUSTAINED_SECONDS = envint("CHAT_SUSTAINED_SECONDS", 60)
# Inbound WebSocket frames per second one connection may send, counted inside Daphne as they
# arrive (collabhub/wsguard.py): beyond it the connection is closed (4429) and stops being
# read. One of the two limits on sockets (the other: the chat's per-person message rate);
# above a burst of messages plus what a page sends besides (typing, read marks, pings).
WS_MAX_FRAMES_PER_SECOND = envint("WS_MAX_FRAMES_PER_SECOND", CHAT_BURST_MESSAGES + 20)
# Seconds a person whose socket was closed for flooding may not open another (wsguard.py).
WS_FLOOD_COOLDOWN_SECONDS = envint("WS_FLOOD_COOLDOWN_SECONDS", 30)
CHAT_PAGE_SIZE = envint("CHAT_PAGE_SIZE", 50)
# Invitations sent by email or phone stop working after this many days.
INVITATION_DAYS = envint("INVITATION_DAYS", 7)
# Text messages (invitations by phone): written to files under var/sms unless a gateway is
# named; numbers without a country code are read as numbers of PHONE_REGION.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_BACKEND = os.environ.get("SMS_BACKEND") or (
    "apps.invitations.sms.HttpBackend" if SMS_GATEWAY_URL else "apps.invitations.sms.FileBackend"
)
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH") or VAR_DIR / "sms")
PHONE_REGION = os.environ.get("PHONE_REGION", "RU")
# How many invitations (new or sent again) one person may send per hour.
INVITATIONS_PER_HOUR = envint("INVITATIONS_PER_HOUR", 30)
# How often one client address may open the invitation page (/invite/<token>/, GET or POST,
# whatever the token), like sign-in's "30/m/ip": a person following an invitation needs a few.
INVITE_PAGE_PER_MINUTE = envint("INVITE_PAGE_PER_MINUTE", 30)
INVITE_PAGE_PER_HOUR = envint("INVITE_PAGE_PER_HOUR", 300)
# Free-slot links (apps/calendar/links.py): how many bookings (and moves, cancellations) one
# client address may make, whatever the link: a person books one or two.
BOOKINGS_PER_HOUR = envint("BOOKINGS_PER_HOUR", 10)
BOOKINGS_PER_DAY = envint("BOOKINGS_PER_DAY", 30)
# How often one client address may open booking and invitation-answer pages (any token).
BOOKING_PAGE_PER_MINUTE = envint("BOOKING_PAGE_PER_MINUTE", 60)
# Mention digests: how long a mention waits unread before it is emailed.
MENTION_DIGEST_DELAY_MINUTES = envint("MENTION_DIGEST_DELAY_MINUTES", 10)
# Idempotent management commands run on a timer (`manage.py run_periodic`; cron in production).
PERIODIC_JOBS = [
    "send_mention_digests",
    "expire_guests",
    "deliver_invitations",
    "prune_presence",
    "purge_file_trash",
    "make_previews",
    "note_overdue_tasks",
    "remind_task_deadlines",
    "remind_meetings",
]

# Background tasks (email, text messages; later thumbnails, ICS mail, PDF signing) leave the
# request through django-tasks, enqueued when the transaction commits:
# - "database" (the default): stored in the database and run by `manage.py db_worker`, which
#   `make run` starts beside Daphne (production: one or more workers as services);
# - "immediate": run in the process that enqueued them, right after the commit (the tests;
#   one process with no worker).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND") or "database"
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
