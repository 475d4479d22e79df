from django.contrib import admin
from django.urls import include, path

from kssp.core import metrics as core_metrics
from kssp.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", core_metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kssp.accounts.urls")),
    path("bulletins/", include("kssp.bulletins.urls")),
    path("audit/", include("kssp.core.urls_audit")),
    path("directory/", include("kssp.accounts.urls_directory")),
    path("reference/", include("kssp.core.urls_reference")),
    path("parties/", include("kssp.core.parties.urls")),
    path("attachments/", include("kssp.core.attachments.urls")),
    path("links/", include("kssp.core.links.urls")),
    path("notifications/", include("kssp.core.notifications.urls")),
    path("worklist/", include("kssp.core.worklist.urls")),
    path("imports/", include("kssp.core.imports.urls")),
    path("exports/", include("kssp.core.exports.urls")),
    path("search/", include("kssp.core.search.urls")),
    path("retention/", include("kssp.core.retention.urls")),
    path("public/", include("kssp.portal.urls")),
    # Staff side of public messages: outside /public/, so that staff addresses stay in the audit trail.
    path("public-messages/", include("kssp.portal.urls_staff")),
    path("", include("kssp.core.urls")),
    path("api/", include("kssp.api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "kssp.core.views.not_found"
handler403 = "kssp.core.views.forbidden"
handler400 = "kssp.core.views.bad_request"
handler500 = "kssp.core.views.server_error"
