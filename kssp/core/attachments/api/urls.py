"""Attachment routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from rest_framework.routers import DefaultRouter

from kssp.core.attachments.api import views

router = DefaultRouter()
router.register("attachments", views.AttachmentViewSet, basename="attachment")
