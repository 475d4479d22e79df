"""The service worker of the offline queue, served from the page it belongs to.

A service worker controls only the pages at or below the URL it is served from, so each quick-capture
page mounts this view next to itself (``<page>/sw.js``); the script is ``static/sw.js``. It is sent with
``Cache-Control: no-cache`` so that a new version replaces the old one on the next visit.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SCRIPT = "sw.js"


def _script() -> bytes:
    found = finders.find(SCRIPT)
    if found:
        return Path(str(found)).read_bytes()
    if staticfiles_storage.exists(SCRIPT):
        with staticfiles_storage.open(SCRIPT) as handle:
            return bytes(handle.read())
    raise Http404


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
