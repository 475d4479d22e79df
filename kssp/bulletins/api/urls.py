"""Bulletin routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from kssp.bulletins.api import views

router = SimpleRouter()
router.register("bulletins", views.BulletinViewSet, basename="bulletin")

urlpatterns = router.urls
