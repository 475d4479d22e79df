from rest_framework.routers import DefaultRouter

from kssp.core.exports.api.views import ExportViewSet

router = DefaultRouter()
router.register("exports", ExportViewSet, basename="export")
