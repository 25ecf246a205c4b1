"""Passerelle settings: one file, driven by environment variables.

PASSERELLE_ENV          development (default) | production | test
PASSERELLE_SECRET_KEY   Django secret key (required in production)
PASSERELLE_FIELD_KEY    base64 32-byte master key for identity encryption, or
PASSERELLE_FIELD_KEY_FILE  a file holding it (development: var/field.key, generated)
PASSERELLE_AUDIT_KEY    base64 32-byte key chaining the audit log (HMAC), or
PASSERELLE_AUDIT_KEY_FILE  a file holding it (development: var/audit.key, generated)
DATABASE_URL            e.g. postgres://user@host:5432/passerelle (default: SQLite in var/)
PASSERELLE_ALLOWED_HOSTS  comma-separated host names (production)
PASSERELLE_SSL_REDIRECT   1 (default) | 0: redirect http to https (production)
PASSERELLE_BEHIND_PROXY   1 (default) | 0: trust the proxy's X-Forwarded-Proto (production)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PASSERELLE_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("PASSERELLE_ENV", "development")
if ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"PASSERELLE_ENV must be development, production or test, not {ENV!r}."
    )
PRODUCTION = ENV == "production"
DEBUG = os.environ.get("PASSERELLE_DEBUG", "0" if PRODUCTION else "1") == "1"
if PRODUCTION and DEBUG:
    # DEBUG shows settings, SQL and tracebacks with personal data to whoever hits an error.
    raise ImproperlyConfigured("PASSERELLE_DEBUG=1 is refused in production.")


def _dev_secret(name: str, make) -> str:
    """Read a development-only secret from var/, creating it on first use."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("PASSERELLE_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("PASSERELLE_SECRET_KEY must be set in production.")
    SECRET_KEY = _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))


def _key(env: str, dev_file: str, what: str, missing: str) -> str:
    """A 32-byte key from the environment, or from the file it names; in production a
    missing key stops the start, elsewhere one is generated once under var/."""
    key = os.environ.get(env, "")
    key_file = os.environ.get(f"{env}_FILE", "")
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"The {what} file {key_file} cannot be read ({exc.strerror})."
            ) from exc
    if not key:
        if PRODUCTION:
            raise ImproperlyConfigured(missing)
        import base64

        key = _dev_secret(
            dev_file, lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        )
    return key


# Identity encryption key (AES-256-GCM + HMAC blind index, both derived from it).
FIELD_KEY = _key(
    "PASSERELLE_FIELD_KEY",
    "field.key",
    "encryption key",
    "No encryption key: set PASSERELLE_FIELD_KEY or PASSERELLE_FIELD_KEY_FILE. "
    "Passerelle never stores identities unencrypted.",
)

# Audit chain key (HMAC-SHA256 of every audit event and of signed checkpoints): kept outside
# the database like the field key, and a different key (docs/security.md "Audit log").
AUDIT_KEY = _key(
    "PASSERELLE_AUDIT_KEY",
    "audit.key",
    "audit key",
    "No audit key: set PASSERELLE_AUDIT_KEY or PASSERELLE_AUDIT_KEY_FILE. "
    "The audit log is chained with a key kept outside the database.",
)

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "PASSERELLE_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "passerelle.core",  # before staticfiles: its runserver (core/management/commands)
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",  # background and scheduled jobs (core.jobs, manage.py run_jobs)
    "django_tasks_db",  # their queue: a table in the same database, no extra server
    "passerelle.accounts",
    "passerelle.vocabularies",
    "passerelle.geography",
    "passerelle.directory",
    "passerelle.incidents",
    "passerelle.sharing",
    "passerelle.referrals",
    "passerelle.inforequests",
    "passerelle.coordination",
    "passerelle.imports",
    "passerelle.xlsforms",
    "passerelle.pulls",
    "passerelle.context",
    "passerelle.api",
    "passerelle.demo",
    "rest_framework",  # the REST API (passerelle/api, docs/api.md)
    "drf_spectacular",  # its OpenAPI 3 schema
    "drf_spectacular_sidecar",  # Swagger UI served from local files (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "passerelle.core.middleware.RequestSizeLimitMiddleware",  # 413 past MAX_REQUEST_BYTES
    "passerelle.core.middleware.NoNulBytesMiddleware",  # 400 for a NUL in the query string
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "passerelle.core.middleware.NoStoreMiddleware",  # signed-in pages: Cache-Control: no-store
    "passerelle.policy.cache.PolicyCacheMiddleware",  # decisions cached for one request
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "passerelle.accounts.middleware.IdleTimeoutMiddleware",
    "passerelle.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:  # static files served by the app itself behind the reverse proxy
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "passerelle.core.context_processors.notifications",
            ],
            "builtins": ["passerelle.policy.templatetags.policy"],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'passerelle.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Tests run on a file so that the raw bytes on disk can be searched for plaintext.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("PASSERELLE_TEST_DB", str(VAR_DIR / "test.sqlite3"))
    }
    # SQLite is the field office's database and several people write at once (docs/security.md
    # "Concurrent use of SQLite"): every transaction takes the write lock when it begins
    # (IMMEDIATE), so one that reads then writes (audit.record, core.sequences) cannot fail
    # half-way with "database is locked"; the others wait up to `timeout` seconds for it; WAL
    # lets pages be read while someone writes; synchronous=FULL keeps a committed record
    # through a power cut.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        ),
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short interactive queries: PostgreSQL's JIT compiler costs more than it saves on the
    # policy's correlated EXISTS (measured: 0.7 s of JIT for a 70 ms query, bench/).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login safety: lock a username+address pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions: 8 hours at most, 30 minutes idle, cookie gone with the browser.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = int(os.environ.get("PASSERELLE_IDLE_TIMEOUT", 30 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Request bodies (docs/security.md "Request size"): the whole body at most 8 MB (uploads included,
# core.middleware), form fields at most 1 MB and 1,000 of them, uploads past 2.5 MB on disk.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
# Submission exports (docs/imports.md "Submission files"): refused on their size before reading.
XLSFORM_SUBMISSIONS_MAX_BYTES = int(
    os.environ.get("PASSERELLE_SUBMISSIONS_MAX_BYTES", 20 * 1024 * 1024)
)
XLSFORM_SUBMISSIONS_MAX_ROWS = 100_000

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get(
    "PASSERELLE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
# The mail server (docs/deployment.md): the password from the environment or from a file.
EMAIL_HOST = os.environ.get("PASSERELLE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PASSERELLE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PASSERELLE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PASSERELLE_EMAIL_PASSWORD", "")
if not EMAIL_HOST_PASSWORD and os.environ.get("PASSERELLE_EMAIL_PASSWORD_FILE"):
    EMAIL_HOST_PASSWORD = Path(os.environ["PASSERELLE_EMAIL_PASSWORD_FILE"]).read_text().strip()
EMAIL_USE_TLS = os.environ.get("PASSERELLE_EMAIL_STARTTLS", "0") == "1"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("PASSERELLE_EMAIL_FROM", "passerelle@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers (docs/security.md). The CSP forbids inline scripts, styles and style=.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The REST API (docs/api.md): token authentication, the policy's permission class, problem
# details (RFC 9457) for every error, one page size.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "passerelle.api.authentication.TokenAuthentication",
        "passerelle.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["passerelle.api.permissions.PolicyPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "passerelle.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("PASSERELLE_API_RATE", "3600/hour"),
    },
    "EXCEPTION_HANDLER": "passerelle.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Passerelle API",
    "DESCRIPTION": "Protection information, read and written through the same policy and "
    "services as the pages. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
API_TOKEN_DAYS = 90  # a new token's default lifetime; at most API_TOKEN_MAX_DAYS
API_TOKEN_MAX_DAYS = 365
API_TOKEN_TWO_FACTOR_MINUTES = 10  # a token reads levels 3-4 if made this soon after a code

# Two-factor authentication (django-otp): required of level-3/4 roles and system admins.
OTP_TOTP_ISSUER = "Passerelle"
OTP_MAX_FAILURES = 5  # wrong codes in one session before it is logged out
OTP_STATIC_TOKENS = 10  # backup codes given at setup

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("PASSERELLE_SSL_REDIRECT", "1") == "1"
    # Trust X-Forwarded-Proto only behind a reverse proxy that sets it (the default setup).
    if os.environ.get("PASSERELLE_BEHIND_PROXY", "1") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Login lockouts count per person's address, not per proxy (docs/deployment.md).
        AXES_CLIENT_IP_CALLABLE = "passerelle.core.client_ip.client_ip"
    SECURE_HSTS_SECONDS = 31536000  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

PASSERELLE_PAGE_SIZE = 25

# Background and scheduled jobs (core.jobs; docs/operations.md "Scheduled jobs"): a queue in
# the database, run by `manage.py run_jobs` (worker and scheduler in one process).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds to wait before each retry of a failed job; a job fails for good (and the
# administrators are told) after len() + 1 attempts.
PASSERELLE_JOB_RETRY_DELAYS = (60, 600)
# The daily backup job (docs/backups.md): a directory turns it on; the passphrase comes from
# PASSERELLE_BACKUP_PASSPHRASE(_FILE) or PASSERELLE_BACKUP_KEY_FILE in the worker's environment.
PASSERELLE_BACKUP_DIR = os.environ.get("PASSERELLE_BACKUP_DIR", "")
PASSERELLE_BACKUP_KEEP = int(os.environ.get("PASSERELLE_BACKUP_KEEP", "14"))
