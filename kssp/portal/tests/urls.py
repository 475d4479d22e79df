"""URLs for the portal tests: the site's own, plus the staff inbox (until the lead mounts it) and a
probe on a public path that reports what the request still carries after the middleware stack."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import URLResolver, include, path

from config import urls as site


@login_not_required
def probe(request: HttpRequest) -> JsonResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return JsonResponse({
        "meta": {k: str(v) for k, v in request.META.items() if k.isupper()},
        "client_ip": getattr(request, "client_ip", "unset"),
        "actor_ip": actor.ip,
        "request_id": getattr(request, "request_id", ""),
        "has_key": bool(getattr(request, "portal_client_key", None)),
    })


_mounted = any(isinstance(p, URLResolver) and p.namespace == "portal_staff" for p in site.urlpatterns)

urlpatterns = [
    path("public/_probe/", probe),
    path("staff/_probe/", probe),
    *([] if _mounted else [path("public-messages/", include("kssp.portal.urls_staff"))]),
    *site.urlpatterns,
]
handler404 = site.handler404
handler403 = site.handler403
handler400 = site.handler400
handler500 = site.handler500
