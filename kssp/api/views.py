"""The API documentation page: Swagger UI from the vendored sidecar, under the site's CSP.

drf-spectacular's split view already moves the start-up script into its own file; its page template
still carries an inline ``<style>`` block, which ``style-src 'self'`` forbids, so the page is rendered
here without it. Nothing is loaded from another origin.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template import engines
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request

PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="icon" href="{{ favicon_href }}">
<link rel="stylesheet" href="{{ swagger_ui_css }}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{ swagger_ui_bundle }}"></script>
<script src="{{ swagger_ui_standalone }}"></script>
<script src="{{ script_url }}"></script>
</body>
</html>
"""
)


class ApiDocsView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if request.GET.get("script") is not None:
            return super().get(request, *args, **kwargs)
        response = super().get(request, *args, **kwargs)
        context = {**response.data, "language": getattr(request, "LANGUAGE_CODE", "sq")}
        return HttpResponse(PAGE.render(context, request._request), content_type="text/html; charset=utf-8")
