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
from kssp.core.attachments.api.urls import router as attachments_router
from kssp.core.exports.api.urls import router as exports_router
from kssp.core.imports.api.urls import router as imports_router
from kssp.core.links.api.urls import router as links_router
from kssp.core.notifications.api.urls import router as notifications_router
from kssp.core.parties.api.urls import router as parties_router
from kssp.core.retention.api.urls import router as retention_router
from kssp.core.search.api.urls import router as search_router
from kssp.core.worklist.api.urls import router as worklist_router

app_name = "api"

v1 = DefaultRouter()
APP_ROUTERS = (
    core_router,
    parties_router,
    attachments_router,
    links_router,
    notifications_router,
    worklist_router,
    imports_router,
    exports_router,
    search_router,
    retention_router,
    accounts_router,
    bulletins_router,
)
for app_router in APP_ROUTERS:
    v1.registry.extend(app_router.registry)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1.urls)),
]
