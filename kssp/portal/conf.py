"""Settings of the public site, read from ``settings.KSSP["PORTAL"]`` with these defaults.

    KSSP["PORTAL"] = {
        # Paths whose requests lose the client address before any other code sees it.
        "ANONYMOUS_PATHS": ["/public/"],
        # Languages offered on the public site (each must be one of PORTAL_LANGUAGE_NAMES).
        # Turkish and Bosnian are ready: add "tr" and "bs" once their catalogues are translated
        # (until then their untranslated strings fall back to Albanian, the default language).
        "LANGUAGES": ["sq", "sr-latn", "sr-cyrl", "en"],
        # The unit that receives messages from the public, as "INSTITUTION/UNIT" codes. Its members
        # with ``portal.review`` (and a unit above it, for unit-subtree roles) read them: choose a unit
        # that is staffed. Environment: KSSP_PORTAL_RECEIVING_UNIT.
        "RECEIVING_UNIT": "KP/DHT",
        # Requests per client per hour, per action. Counted in memory, per process, under an HMAC
        # of the address whose key changes every hour (see kssp.portal.ratelimit).
        "RATE_LIMITS": {"submit": 5, "lookup": 30},
        # Reverse proxies in front of the site that append to X-Forwarded-For (0: use REMOTE_ADDR).
        "PROXY_COUNT": 0,
    }
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ANONYMOUS_PATHS": ["/public/"],
    "LANGUAGES": ["sq", "sr-latn", "sr-cyrl", "en"],
    "RECEIVING_UNIT": "KP/DHT",  # Investigations Department, staffed: its supervisor reads them
    "RATE_LIMITS": {"submit": 5, "lookup": 30},
    "PROXY_COUNT": 0,
}

# Every language the public site can offer: code → (name in itself, BCP 47 tag).
PORTAL_LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "sq": ("Shqip", "sq"),
    "sr-latn": ("Srpski (latinica)", "sr-Latn"),
    "sr-cyrl": ("Српски (ћирилица)", "sr-Cyrl"),
    "en": ("English", "en"),
    "tr": ("Türkçe", "tr"),
    "bs": ("Bosanski", "bs"),
}


def get(name: str) -> Any:
    portal = getattr(settings, "KSSP", {}).get("PORTAL", {})
    return portal.get(name, DEFAULTS[name])


def anonymous_paths() -> tuple[str, ...]:
    return tuple(get("ANONYMOUS_PATHS"))


def languages() -> list[str]:
    """The configured public languages that the site knows, in the configured order."""
    codes = [code for code in get("LANGUAGES") if code in PORTAL_LANGUAGE_NAMES]
    return codes or [settings.LANGUAGE_CODE]


def rate_limit(action: str) -> int:
    limits = {**DEFAULTS["RATE_LIMITS"], **get("RATE_LIMITS")}
    return int(limits[action])


def proxy_count() -> int:
    return max(0, int(get("PROXY_COUNT")))


def receiving_unit_codes() -> tuple[str, str] | None:
    value = str(get("RECEIVING_UNIT") or "")
    institution, sep, unit = value.partition("/")
    if not sep or not institution.strip() or not unit.strip():
        return None
    return institution.strip(), unit.strip()
