"""Record-link routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from rest_framework.routers import DefaultRouter

from kssp.core.links.api import views

router = DefaultRouter()
router.register("record-links", views.RecordLinkViewSet, basename="record-link")
