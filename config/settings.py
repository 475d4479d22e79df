"""KSSP Platform settings.

The environment is read here and nowhere else. Secrets never live in the repository: a fresh machine
gets them from the environment or, for the demo and development, from `var/secrets.env`, which
`make demo` writes once with random values (see `scripts/init_secrets.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import django.conf.locale as _django_locale
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KSSP_VAR_DIR", BASE_DIR / "var"))


def _load_env_file(path: Path) -> None:
    """Fill os.environ from a KEY=VALUE file without overriding what is already set."""
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


def _bool(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}


if not _bool(os.environ.get("KSSP_TESTING")) and "KSSP_SECRET_KEY" not in os.environ and not _bool(os.environ.get("KSSP_REQUIRE_ENV")):
    # A developer's fresh checkout: make random keys once (production sets KSSP_REQUIRE_ENV=1).
    from config.secrets_file import write_secrets

    write_secrets(VAR_DIR)
_load_env_file(VAR_DIR / "secrets.env")


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = env_bool("KSSP_TESTING")
KSSP_DEMO = env_bool("KSSP_DEMO")
DEBUG = env_bool("KSSP_DEBUG", default=False)

# Production (KSSP_REQUIRE_ENV=1, set by config.settings_production) refuses to start without its keys and
# names every one that is missing or malformed (config/environment.py declares them; docs/deploy.md).
if env_bool("KSSP_REQUIRE_ENV"):
    from config.environment import production_problems

    if _problems := production_problems(os.environ):
        raise ImproperlyConfigured(
            "Refusing to start in production (KSSP_REQUIRE_ENV=1):\n  - " + "\n  - ".join(_problems)
            + "\nSee docs/deploy.md, section Environment."
        )

# Test runs use fixed, obviously fake keys so that a developer needs no set-up; every other run
# must be given real ones (the demo generates its own into var/secrets.env).
_TEST_KEYS = {
    "KSSP_SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdef",
    "KSSP_AUDIT_HMAC_KEY": "00" * 32,
    "KSSP_AUDIT_ANCHOR_KEY": "11" * 32,
    "KSSP_AUDIT_ANCHOR_PUBLIC_KEY": "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737",  # of "11" * 32
    "KSSP_DATA_KEY": "22" * 32,
}
if TESTING:
    for _k, _v in _TEST_KEYS.items():
        os.environ.setdefault(_k, _v)

SECRET_KEY = env("KSSP_SECRET_KEY")
# 32-byte keys, hex encoded: the audit chain HMAC, and the master key that wraps the per-record keys of
# encrypted audit payloads.
AUDIT_HMAC_KEY = bytes.fromhex(env("KSSP_AUDIT_HMAC_KEY"))
DATA_KEY = bytes.fromhex(env("KSSP_DATA_KEY"))
# Audit anchors (Ed25519). The public key is pinned here and is the only one `audit_verify` trusts; list
# older ones after it (comma-separated) to keep anchors signed before a rotation verifiable. The private
# key (32-byte seed) is needed only where the sweeper runs (`manage.py audit_anchor`); leave it unset on
# the other hosts. A developer's older var/secrets.env has only the seed: the public key is derived
# from it then, except in production (KSSP_REQUIRE_ENV=1), which must pin it.
AUDIT_ANCHOR_KEY: bytes | None = bytes.fromhex(os.environ["KSSP_AUDIT_ANCHOR_KEY"]) if os.environ.get("KSSP_AUDIT_ANCHOR_KEY") else None
AUDIT_ANCHOR_PUBLIC_KEYS: tuple[bytes, ...] = tuple(bytes.fromhex(k) for k in env_list("KSSP_AUDIT_ANCHOR_PUBLIC_KEY"))
if AUDIT_ANCHOR_KEY is not None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _anchor_public = Ed25519PrivateKey.from_private_bytes(AUDIT_ANCHOR_KEY).public_key().public_bytes_raw()
    if not AUDIT_ANCHOR_PUBLIC_KEYS and not env_bool("KSSP_REQUIRE_ENV"):
        AUDIT_ANCHOR_PUBLIC_KEYS = (_anchor_public,)
    elif _anchor_public not in AUDIT_ANCHOR_PUBLIC_KEYS:
        raise ImproperlyConfigured("KSSP_AUDIT_ANCHOR_KEY does not belong to any key in KSSP_AUDIT_ANCHOR_PUBLIC_KEY.")
if not AUDIT_ANCHOR_PUBLIC_KEYS:
    raise ImproperlyConfigured("Set the KSSP_AUDIT_ANCHOR_PUBLIC_KEY environment variable.")
# Every anchor is also appended here, outside the database; `audit_verify` compares the two.
AUDIT_ANCHOR_FILE = Path(os.environ.get("KSSP_AUDIT_ANCHOR_FILE") or VAR_DIR / "audit-anchors.jsonl")

ALLOWED_HOSTS = env_list("KSSP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KSSP_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "kssp.core",
    "kssp.core.parties",
    "kssp.core.attachments",
    "kssp.core.links",
    "kssp.core.notifications",
    "kssp.core.worklist",
    "kssp.core.imports",
    "kssp.core.exports",
    "kssp.core.search",
    "kssp.core.retention",
    "kssp.core.offline_capture",
    "kssp.accounts",
    "kssp.bulletins",
    "kssp.api",
    "kssp.portal",
    "kssp.demo",
]
if TESTING:
    # The kernel's own test record type (issue #6 point 7): kernel tests need no domain module. Its model,
    # table and page exist only under KSSP_TESTING; its URLs are added to the project's below.
    INSTALLED_APPS.append("kssp.core.testing.recordkind")

MIDDLEWARE = [
    # First: on the public site the client address is removed before any other code or log sees it.
    "kssp.portal.middleware.AnonymityMiddleware",
    # Request latency for the operators' /metrics (by route name and status class; no address, no user).
    "kssp.core.metrics.RequestMetricsMiddleware",
    "kssp.core.middleware.RequestContextMiddleware",
    "kssp.core.notifications.middleware.PassiveRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs sign-in but the exemptions below (issue #6 point 4).
    "kssp.core.web.LoginRequired",
    "django_otp.middleware.OTPMiddleware",
    "kssp.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kssp.accounts.middleware_security.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's database error first: a busy or unreachable
    # database answers 503 with Retry-After and a page that keeps what was typed (#7 point 3).
    "kssp.core.middleware.BusyDatabaseMiddleware",
]

ROOT_URLCONF = "kssp.core.testing.recordkind.urls" if TESTING else "config.urls"
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
                "kssp.accounts.context_processors.navigation",
            ],
        },
    }
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        query = parse_qs(parsed.query)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "OPTIONS": {k: v[0] for k, v in query.items()},
            "TEST": {"NAME": f"test_{unquote(parsed.path.lstrip('/'))}"},
        }
    if parsed.scheme == "sqlite":
        return _sqlite(Path(unquote(parsed.path)))
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme: {parsed.scheme}")


def _sqlite(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # One writer at a time, queued rather than failing: IMMEDIATE takes the write lock at
            # BEGIN, which is also what serialises the audit chain on SQLite.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000;"
            ),
        },
        # A file, not :memory:, so that the concurrency tests can open it from a second process.
        # One file per test process, so that parallel runs on one machine do not share it.
        "TEST": {"NAME": str(VAR_DIR / f"test-kssp-{os.getpid()}.sqlite3")},
    }


DATABASES = {
    "default": (
        _database_from_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else _sqlite(VAR_DIR / "kssp.sqlite3")
    )
}
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
if TESTING:
    # Argon2 is deliberately slow; the tests check behaviour, not hashing cost.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# The only pages reachable without signing in (kssp.core.web.LoginRequired); everything else redirects to
# sign-in. Namespaces: the public site, the API (DRF answers 401 itself) and the admin (its own sign-in).
# Modules add their machine endpoints here (``/taxii2/``, the selectivity service) with their own auth.
LOGIN_EXEMPT_URL_NAMES = (
    "healthz",
    "metrics",  # its own bearer token (KSSP_METRICS_TOKEN); 404 without it
    "set_language",
    "accounts:login",
    "accounts:otp_verify",  # the second factor, between the password and the session
    "accounts:otp_enrol",
    "accounts:password_reset",
    "bulletins:bulletin_quick_capture_sw",
)
LOGIN_EXEMPT_NAMESPACES = ("portal", "api", "admin")
# Error pages drawn by a section in its own layout (kssp.core.views._error): the public site's 404 is not
# the staff layout with a "Sign in" link (#7 point 2).
KSSP_SECTION_ERROR_VIEWS = {"/public/": "kssp.portal.views.error_page"}
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60  # one shift
SESSION_COOKIE_SECURE = env_bool("KSSP_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "kssp.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MiB of request body outside file uploads

# django-axes: lock by username and IP together, so that one booth cannot lock out a colleague.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy (ARCHITECTURE rule 11): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Languages (ARCHITECTURE rule 9). Albanian is the default; Serbian in both scripts; English.
LANGUAGE_CODE = "sq"
LANGUAGES = [
    ("sq", _("Albanian")),
    ("sr-latn", _("Serbian (Latin)")),
    ("sr-cyrl", _("Serbian (Cyrillic)")),
    ("en", _("English")),
]
LOCALE_PATHS = [Path(os.environ.get("KSSP_LOCALE_DIR", BASE_DIR / "locale"))]
# Django knows "sr-latn" but not "sr-cyrl"; teach it (the catalogue is generated by transliteration).
_django_locale.LANG_INFO.setdefault(
    "sr-cyrl", {"bidi": False, "code": "sr-cyrl", "name": "Serbian Cyrillic", "name_local": "српски (ћирилица)"}
)
LANGUAGE_COOKIE_NAME = "kssp_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Europe/Belgrade"
USE_TZ = True
# One date format in every language: dd.mm.yyyy, 24-hour time (#7 point 2; kssp/core/formats).
FORMAT_MODULE_PATH = ["kssp.core.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from the finders; it only needs the folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kssp.accounts.authentication.TokenAuthentication",
        "kssp.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kssp.core.api.permissions.IsActor"],
    "DEFAULT_PAGINATION_CLASS": "kssp.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kssp.core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kssp.core.api.parsers.BoundedJSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KSSP Platform API",
    "DESCRIPTION": (
        "Need-to-know API of the KSSP Platform. Every list is filtered to what the acting membership "
        "may see; a record you may not see answers 404. Errors share one shape: "
        '{"error": {"code", "message", "fields"}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in staff and API clients, like the rest of /api/.
    "SERVE_PERMISSIONS": ["kssp.core.api.permissions.IsActor"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "WorkItemStatusEnum": "kssp.core.worklist.choices.WorkItemStatus",
        "BulletinStatusEnum": "kssp.bulletins.choices.BulletinStatus",
    },
}
API_MAX_JSON_BYTES = 256 * 1024
# The operators' Prometheus endpoint /metrics answers only with "Authorization: Bearer <token>"; unset, it
# answers 404 to everyone (docs/deploy.md, section Monitoring).
METRICS_TOKEN = os.environ.get("KSSP_METRICS_TOKEN", "")

# Background jobs: the database backend by default; RQ on Redis when KSSP_TASKS_BACKEND=rq.
TASKS_BACKEND = os.environ.get("KSSP_TASKS_BACKEND", "immediate" if TESTING else "db")
_TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
REDIS_URL = os.environ.get("KSSP_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")

# E-mail for notifications (optional per user and kind); the tests use Django's locmem backend.
EMAIL_BACKEND = os.environ.get(
    "KSSP_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG or KSSP_DEMO else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("KSSP_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KSSP_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KSSP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KSSP_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KSSP_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("KSSP_EMAIL_FROM", "kssp@localhost")
SESSION_SAVE_EVERY_REQUEST = False  # passive polling must never extend a session

# Existence-only checks of other institutions (issue #7 point 3): at most this many per user in the last
# hour, and this many hits of the same record by the same user in the last hour; then refused.
KSSP_HIT_CHECK_PER_HOUR = int(os.environ.get("KSSP_HIT_CHECK_PER_HOUR", "20"))
KSSP_HIT_CHECK_PER_RECORD = int(os.environ.get("KSSP_HIT_CHECK_PER_RECORD", "5"))

# Platform settings (editable per deployment).
KSSP: dict[str, Any] = {
    # Footnote shown with XK wherever the status-neutral designation profile is chosen.
    "XK_FOOTNOTE": os.environ.get(
        "KSSP_XK_FOOTNOTE",
        "This designation is without prejudice to positions on status, and is in line with "
        "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence.",
    ),
    "SMALL_CELL_THRESHOLD": 5,
    # Demo mode: `make demo` sets KSSP_DEMO=1, which allows `seed_demo` to load its known passwords.
    "DEMO": KSSP_DEMO,
    # Security operations (issue #3 point 11).
    "MFA_REQUIRED": env_bool("KSSP_MFA_REQUIRED", default=not TESTING),
    "SHIFT_HOURS": float(os.environ.get("KSSP_SHIFT_HOURS", "12")),
    "SCREEN_LOCK_IDLE_SECONDS": int(os.environ.get("KSSP_SCREEN_LOCK_IDLE_SECONDS", "900")),
    "SCREEN_LOCK_MAX_FAILURES": 10,
    "MFA_PENDING_SECONDS": 600,
    "PASSWORD_RESET_MINUTES": 30,
    "BREAK_GLASS_MAX_MINUTES": 60,
    "ACCESS_REVIEW_DAYS": 90,
    # Absolute address of the site for links in e-mails (empty: links are paths only).
    "SITE_URL": os.environ.get("KSSP_SITE_URL", ""),
    # English place names: "institutional" (Prishtina) or "dual" (Prishtinë/Priština).
    "EN_TOPONYMS": os.environ.get("KSSP_EN_TOPONYMS", "institutional"),
    "PERIODIC_INTERVAL_SECONDS": int(os.environ.get("KSSP_PERIODIC_INTERVAL", "60")),
    # The institution that operates the platform: only its platform administrators propose and approve
    # changes to the (platform-wide) role catalogue (issue #7 point 3). Default: Ministry of Internal Affairs.
    "OPERATING_INSTITUTION": os.environ.get("KSSP_OPERATING_INSTITUTION", "MPB"),
    # The public site (kssp/portal/conf.py): the unit that receives its messages, "INSTITUTION/UNIT" codes.
    "PORTAL": {"RECEIVING_UNIT": os.environ.get("KSSP_PORTAL_RECEIVING_UNIT") or "KP/DHT"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kssp.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "kssp.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KSSP_LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG and not TESTING and SECRET_KEY.startswith("test-"):
    raise ImproperlyConfigured("Refusing to run outside tests with the test secret key.")
