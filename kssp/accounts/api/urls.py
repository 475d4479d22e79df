"""The directory and API-token routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from kssp.accounts.api import views

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("units", views.UnitViewSet, basename="unit")
router.register("roles", views.RoleViewSet, basename="role")
router.register("users", views.UserViewSet, basename="user")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("access-changes", views.AccessChangeViewSet, basename="access-change")
router.register("api-tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = router.urls
