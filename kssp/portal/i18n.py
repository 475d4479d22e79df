"""Language of the public site: chosen among the configured public languages only.

The staff site uses Django's LocaleMiddleware over ``settings.LANGUAGES``; the public site decides
for itself (cookie, then the browser's Accept-Language, then the default) among
``KSSP["PORTAL"]["LANGUAGES"]``, so that Turkish and Bosnian can be offered to citizens without
appearing on the staff site. A language without a catalogue of ours falls back to Albanian (Django's
fallback to LANGUAGE_CODE), with Django's own strings (form errors) in that language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation.trans_real import parse_accept_lang_header

from kssp.portal import conf


def _match(tag: str, offered: list[str]) -> str | None:
    tag = tag.lower().replace("_", "-")
    if tag in offered:
        return tag
    primary = tag.split("-", 1)[0]
    if primary == "sr":
        script = "sr-cyrl" if "cyrl" in tag else "sr-latn"
        if script in offered:
            return script
        return next((code for code in offered if code.startswith("sr-")), None)
    if primary in {"hr", "sh"} and "bs" in offered:
        return "bs"
    return primary if primary in offered else None


def language_for(request: HttpRequest) -> str:
    offered = conf.languages()
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie.lower() in offered:
        return cookie.lower()
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if tag == "*":
            break
        found = _match(tag, offered)
        if found:
            return found
    default = settings.LANGUAGE_CODE
    return default if default in offered else offered[0]


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    tag: str
    url: str
    active: bool


def chrome(request: HttpRequest, language: str) -> dict[str, Any]:
    here = request.get_full_path()
    links = [
        LanguageLink(
            code, conf.PORTAL_LANGUAGE_NAMES[code][0], conf.PORTAL_LANGUAGE_NAMES[code][1],
            f"{reverse('portal:language', args=[code])}?{urlencode({'next': here})}", code == language,
        )
        for code in conf.languages()
    ]
    return {"language": language, "html_lang": conf.PORTAL_LANGUAGE_NAMES.get(language, (language, language))[1], "languages": links}


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render a public page in the visitor's public language, never cached by shared caches."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = language_for(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            request.portal = chrome(request, language)  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper
