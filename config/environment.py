"""The platform's environment variables, declared once.

This list is the one source for three things: the settings' refusal to start in production without
what it needs (``KSSP_REQUIRE_ENV=1``, set by ``config.settings_production``), the environment table of
``docs/deploy.md`` and the environment that ``deploy/compose.yaml`` gives the platform's containers (a
test compares both with this list). It imports nothing from Django: the settings read it before Django
is configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_HEX32 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Variable:
    name: str
    help: str
    #: Needed in production: the settings refuse to start without it.
    required: bool = False
    #: A secret: compose takes it from the operator's ``.env`` file, never with a default.
    secret: bool = False
    #: 32 bytes as 64 hexadecimal digits (checked in production).
    hex32: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("KSSP_REQUIRE_ENV", "1 in production: refuse to start without the required variables below "
             "(set by config.settings_production)."),
    Variable("DJANGO_SETTINGS_MODULE", "config.settings_production for a production server."),
    Variable("KSSP_SECRET_KEY", "Django's secret key (sessions, CSRF, password reset links). 50+ random characters.",
             required=True, secret=True),
    Variable("KSSP_AUDIT_HMAC_KEY", "The audit chain's HMAC key. Losing it makes the trail unverifiable.",
             required=True, secret=True, hex32=True),
    Variable("KSSP_DATA_KEY", "The master key wrapping the per-record keys of encrypted audit payloads.",
             required=True, secret=True, hex32=True),
    Variable("KSSP_AUDIT_ANCHOR_PUBLIC_KEY", "Ed25519 public key(s) of the audit anchors, comma-separated, newest first "
             "(the only keys audit_verify trusts).", required=True),
    Variable("KSSP_AUDIT_ANCHOR_KEY", "Ed25519 private key (32-byte seed) that signs anchors: only where the sweeper "
             "runs.", secret=True, hex32=True),
    Variable("KSSP_AUDIT_ANCHOR_FILE", "Where anchors are also appended outside the database (default "
             "var/audit-anchors.jsonl)."),
    Variable("DATABASE_URL", "postgres://user:password@host:5432/name for a national installation, or "
             "sqlite:////srv/kssp/kssp.sqlite3 for a single site.", required=True, secret=True),
    Variable("KSSP_ALLOWED_HOSTS", "Host names the platform answers to, comma-separated.", required=True),
    Variable("KSSP_CSRF_TRUSTED_ORIGINS", "https://host origins of the site behind the proxy, comma-separated.",
             required=True),
    Variable("KSSP_SECURE_COOKIES", "1: session and CSRF cookies only over HTTPS (production forces 1)."),
    Variable("KSSP_TASKS_BACKEND", "db (default) or rq (Redis; several workers)."),
    Variable("KSSP_REDIS_URL", "redis://host:6379/0 when KSSP_TASKS_BACKEND=rq."),
    Variable("KSSP_METRICS_TOKEN", "Bearer token for /metrics; unset: /metrics answers 404.", secret=True),
    Variable("KSSP_VAR_DIR", "Folder for files, static files and the anchor file (default ./var)."),
    Variable("KSSP_WEB_WORKERS", "gunicorn worker processes (default 2 × cores + 1)."),
    Variable("KSSP_WEB_THREADS", "threads per gunicorn worker (default 4)."),
    Variable("FORWARDED_ALLOW_IPS", "Addresses of the reverse proxy whose X-Forwarded-Proto gunicorn trusts "
             "(default 127.0.0.1,::1)."),
    Variable("KSSP_PROXY_COUNT", "Reverse proxies in front of the platform (production default 1): the public "
             "site's rate limit reads the client's address from X-Forwarded-For that many hops back."),
    Variable("KSSP_TASK_WORKERS", "task worker processes started by run_serve (default 1)."),
    Variable("KSSP_PERIODIC_INTERVAL", "Seconds between sweeper runs (default 60)."),
    Variable("KSSP_SITE_URL", "https://host, for absolute links in e-mails."),
    Variable("KSSP_EMAIL_HOST", "SMTP server."),
    Variable("KSSP_EMAIL_PORT", "SMTP port (default 25)."),
    Variable("KSSP_EMAIL_USER", "SMTP user."),
    Variable("KSSP_EMAIL_PASSWORD", "SMTP password.", secret=True),
    Variable("KSSP_EMAIL_TLS", "1: STARTTLS to the SMTP server."),
    Variable("KSSP_EMAIL_FROM", "Sender address of notifications."),
    Variable("KSSP_LOG_LEVEL", "INFO (default) or WARNING, DEBUG."),
    Variable("KSSP_MFA_REQUIRED", "1 (default): staff sign in with a second factor."),
    Variable("KSSP_SHIFT_HOURS", "Hours a session lasts at most (default 12)."),
    Variable("KSSP_SCREEN_LOCK_IDLE_SECONDS", "Idle seconds before the screen locks (default 900)."),
    Variable("KSSP_OPERATING_INSTITUTION", "Code of the institution whose platform administrators change roles "
             "(default MPB)."),
    Variable("KSSP_PORTAL_RECEIVING_UNIT", "Unit that receives messages from the public site, as INSTITUTION/UNIT "
             "codes (default KP/DHT); choose a staffed unit. A code of no active unit stops manage.py check "
             "--database default and migrate (kssp.E150/E151)."),
    Variable("KSSP_EN_TOPONYMS", "English place names: institutional (default) or dual."),
    Variable("KSSP_XK_FOOTNOTE", "Footnote shown with the status-neutral designation XK."),
    Variable("KSSP_LOCALE_DIR", "Folder of the translation catalogues (default ./locale)."),
    Variable("PROMETHEUS_MULTIPROC_DIR", "Folder where the web workers share their metrics (run_serve sets it)."),
)
BY_NAME = {variable.name: variable for variable in VARIABLES}


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """What keeps a production server from starting, one line per variable, naming it."""
    problems = []
    for variable in VARIABLES:
        value = environ.get(variable.name, "").strip()
        if variable.required and not value:
            problems.append(f"{variable.name} is not set ({variable.help})")
        elif value and variable.hex32 and not _HEX32.match(value):
            problems.append(f"{variable.name} must be 64 hexadecimal digits (32 bytes)")
    secret = environ.get("KSSP_SECRET_KEY", "")
    if secret and (len(secret) < 50 or secret.startswith("test-")):
        problems.append("KSSP_SECRET_KEY must be at least 50 random characters, not the test key")
    for flag in ("KSSP_DEBUG", "KSSP_TESTING", "KSSP_DEMO"):
        if environ.get(flag, "").lower() in {"1", "true", "yes", "on"}:
            problems.append(f"{flag} must not be on in production")
    return problems
