"""Party routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from rest_framework.routers import DefaultRouter

from kssp.core.parties.api import views

router = DefaultRouter()
router.register("persons", views.PersonViewSet, basename="person")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("party-links", views.PartyLinkViewSet, basename="party-link")
