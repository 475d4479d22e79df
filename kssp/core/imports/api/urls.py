"""Import routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from rest_framework.routers import DefaultRouter

from kssp.core.imports.api.views import ImportBatchViewSet

router = DefaultRouter()
router.register("import-batches", ImportBatchViewSet, basename="import-batch")
