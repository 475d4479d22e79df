"""/api/: the OpenAPI schema, its documentation page, and version 1 of the API.

Each app registers its resources on its own router (``kssp/<app>/api/urls.py``); version 1 is their
union, so that one URL space, one root and one schema describe them all.
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from kssp.accounts.api.urls import router as accounts_router
from kssp.api.views import ApiDocsView
from kssp.bulletins.api.urls import router as bulletins_router
from kssp.core.api.urls import router as core_router

app_name = "api"

v1 = DefaultRouter()
for app_router in (core_router, accounts_router, bulletins_router):
    v1.registry.extend(app_router.registry)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1.urls)),
]
