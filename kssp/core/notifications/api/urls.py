"""Notification routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from kssp.core.notifications.api import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
