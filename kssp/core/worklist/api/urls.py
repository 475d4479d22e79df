"""Worklist routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from kssp.core.worklist.api import views

router = SimpleRouter()
router.register("work-items", views.WorkItemViewSet, basename="work-item")

urlpatterns = router.urls
