"""Settings for the Ganzhou key-project coordination system.

This module is the one place that reads the environment. With nothing set,
the app runs on SQLite with Celery tasks executed eagerly and DEBUG off (users
see the app's own Chinese 404/403 pages, never Django's debug pages); developer
mode is an explicit `DEBUG=1`. `make run` sets ENABLE_DEMO=1 and a random
SECRET_KEY kept in .run-secret-key; production (docker-compose) sets DATABASE_URL,
REDIS_URL, SECRET_KEY and ALLOWED_HOSTS. With DEBUG off a missing or weak
SECRET_KEY stops gunicorn and Celery from starting (ganzhou_projects/startup.py).
"""

import datetime
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Only developer mode has a built-in key; otherwise an unset SECRET_KEY stops the first request
# (Django refuses an empty one) instead of signing sessions with a key published in the repository.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production" if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "exports",
    "projects",
    "dispatch",
    "early_warnings",
    "funding",
    "auditlog",
    "notifications",
    "assessment",
    "meetings",
    "dashboard",
]
# The demo-data app (`seed_demo`, `bootstrap_demo`): for development, `make run` and the tests, never in
# production (DEBUG=0), where its commands, and `seed_demo --reset` that recreates the database, must not exist.
ENABLE_DEMO = env_bool("ENABLE_DEMO", DEBUG)
if ENABLE_DEMO:
    INSTALLED_APPS.append("demo")

# Change reasons are sentences (a returned report's reason, a moved deadline's), not 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ganzhou_projects.middleware.AdminOnlyForAdministratorsMiddleware",
]

ROOT_URLCONF = "ganzhou_projects.urls"

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
                "projects.context_processors.roles",
                "projects.context_processors.nav",
                "notifications.context_processors.notifications",
            ],
            "builtins": ["ganzhou_projects.templatetags.numbers", "ganzhou_projects.templatetags.labels"],
        },
    },
]

WSGI_APPLICATION = "ganzhou_projects.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "projects.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user: anonymous visitors only see the login page.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_404 = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# The users work in Simplified Chinese whatever their browser asks for, so there is no LocaleMiddleware.
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ganzhou_projects.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads (Excel import): refuse anything larger before it reaches openpyxl.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
MAX_XLSX_UNCOMPRESSED_BYTES = int(os.environ.get("MAX_XLSX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024))
# Exports with more rows than this run in a Celery task with visible progress instead of in the request.
INLINE_EXPORT_MAX_ROWS = int(os.environ.get("INLINE_EXPORT_MAX_ROWS", 3000))
MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", 8 * 1024 * 1024))

# Redis and Celery. Without REDIS_URL, tasks run eagerly in the web process. CELERY_BROKER_URL alone
# (the bench's worker) gives Celery a broker and leaves the cache per process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The beat schedule is built from the job registry in ganzhou_projects/celery.py.
# BEAT_EVERY_SECONDS (tests only) runs every job at that interval instead of daily.
BEAT_EVERY_SECONDS = int(os.environ.get("BEAT_EVERY_SECONDS", 0))
EMAIL_RETRY_SECONDS = int(os.environ.get("EMAIL_RETRY_SECONDS", 300))

# Deadline reminders go out this many working days before a reporting deadline.
REMINDER_WORKING_DAYS = [int(n) for n in env_list("REMINDER_WORKING_DAYS", "5,2")]
# Absolute links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "gz"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "甘州区重点项目协同推进系统 <noreply@localhost>")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# --- Bounded input and safe production defaults (issue 15) -------------------------------------------
# Kept in one block on purpose (other security settings live elsewhere); see README "Deployment".
#
# A production start (DEBUG off: gunicorn, the Celery worker and beat) refuses a missing, short or
# published SECRET_KEY instead of signing sessions with a key anyone can read in this repository; see
# ganzhou_projects/startup.py. (manage.py commands such as migrate and makemigrations still run.)
# X-Forwarded-Proto says whether the browser used HTTPS; only the proxy of docker-compose.yml (which
# overwrites it, and is the only published service) may be believed. Set by compose, never by default.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS", False)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request bodies: the largest legitimate one is a photo (MAX_PHOTO_BYTES) or a workbook (MAX_UPLOAD_BYTES)
# with its form. RequestBodyLimitMiddleware refuses a larger Content-Length with a 413 page before any
# of the body is read; the proxy's client_max_body_size (deploy/nginx.conf) refuses it even earlier.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", max(MAX_UPLOAD_BYTES, MAX_PHOTO_BYTES) + 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form fields without the files
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads go to a temporary file, not memory
# Photos: refused above this many pixels before decoding (a 19 KB PNG can hold 12,500 × 12,500).
MAX_PHOTO_PIXELS = int(os.environ.get("MAX_PHOTO_PIXELS", 40_000_000))

# Sessions end after this long without a request (IdleSessionTimeoutMiddleware), and at the latest
# after SESSION_COOKIE_AGE however active.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 2 * 60 * 60))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 12 * 60 * 60))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MIDDLEWARE = [
    "ganzhou_projects.middleware.RequestBodyLimitMiddleware",
    *MIDDLEWARE,
    "ganzhou_projects.middleware.IdleSessionTimeoutMiddleware",
    "ganzhou_projects.middleware.PrivatePagesMiddleware",
]
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Export jobs: at most one running job per user and kind; files older than this are removed daily.
EXPORT_FILES_MAX_AGE_DAYS = int(os.environ.get("EXPORT_FILES_MAX_AGE_DAYS", 7))
# --- end of issue 15 block -------------------------------------------------------------------------------

# --- Security hardening (issue 13) -------------------------------------------------------------------
# `python manage.py check --deploy` with the production settings (DEBUG off, a real SECRET_KEY and
# ALLOWED_HOSTS) prints nothing: tests/security/test_deploy_check.py. `make run` serves plain http and
# turns the https-only settings off (SESSION_COOKIE_SECURE=0, CSRF_COOKIE_SECURE=0, SECURE_SSL_REDIRECT=0,
# SECURE_HSTS_SECONDS=0).
INSTALLED_APPS += ["csp", "axes"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.append("ganzhou_projects.middleware.ActiveUserMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the pages' scripts read the token from the form, never from the cookie
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check asks over plain http
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site only, no
# 'unsafe-inline' and no 'unsafe-eval'. Templates hold no <script> bodies, on* handlers, style=""
# attributes or <style> blocks (tests/security/test_csp.py renders the pages and checks); behaviour is
# in static/js/, looks in static/css/. Photos' thumbnails are served by the app (img-src 'self'); data:
# for the small images libraries draw.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins the same *username from the same
# address* is refused for AXES_COOLOFF_TIME. The lock is on the combination, never on the address alone:
# a township's staff share one NAT address, and one person's mistyped password must not lock the others
# out; nor on the username alone, which would let anyone lock a colleague out from elsewhere. A success
# resets the count. The refusal is the Chinese page templates/registration/locked_out.html (status 429).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# --- end of security hardening (issue 13) ------------------------------------------------------------

# Everything is printed by one console handler on the root logger. Django's own "django" logger
# loses its console handler (which printed each django.request or autoreload line a second time)
# and propagates to it, keeping only the mail to ADMINS of errors when not DEBUG. django.server
# keeps Django's own handler and does not propagate, so runserver prints each request once.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True}},
}
