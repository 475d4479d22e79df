"""Settings of a production server (``make serve``, ``deploy/compose.yaml``): the platform's settings with
the environment required, HTTPS behind a reverse proxy, and static files collected and served by WhiteNoise.

    DJANGO_SETTINGS_MODULE=config.settings_production

The settings refuse to start, naming each missing or malformed variable, without the keys that
``config/environment.py`` marks required (docs/deploy.md lists them).
"""

from __future__ import annotations

import os

os.environ["KSSP_REQUIRE_ENV"] = "1"

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, STORAGES, env_bool  # noqa: E402

DEBUG = False

# TLS ends at the reverse proxy (deploy/Caddyfile, deploy/nginx.conf), which sets X-Forwarded-Proto and
# HSTS. gunicorn turns that header into the request's scheme for the proxy's addresses only
# (FORWARDED_ALLOW_IPS, config/gunicorn.py), before Django runs: SECURE_PROXY_SSL_HEADER stays unset
# because the public site strips every forwarding header (kssp.portal.middleware) before the check.
# Cookies travel over HTTPS only; KSSP_SECURE_COOKIES=0 is only for a plain-HTTP measurement on the
# loopback interface (benchmarks/bench_load.py), never behind a proxy.
SESSION_COOKIE_SECURE = env_bool("KSSP_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
# The load balancer's health check and Prometheus talk to the platform's port directly, without TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# Collected once by `manage.py collectstatic` (make serve, the image build), served with far-future
# caching under content-hashed names; a missing manifest entry falls back to the plain name.
WHITENOISE_USE_FINDERS = False
WHITENOISE_MANIFEST_STRICT = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

# Persistent connections, checked before reuse after a database restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Behind one reverse proxy the client's address is the last hop of X-Forwarded-For: the public site's rate
# limit keys by it (then forgets it), instead of by the proxy's own address.
KSSP["PORTAL"] = {**KSSP.get("PORTAL", {}), "PROXY_COUNT": int(os.environ.get("KSSP_PROXY_COUNT") or 1)}  # noqa: F405
