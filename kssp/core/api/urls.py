"""The kernel's API routes (mounted under /api/v1/ by ``kssp.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from kssp.core.api import reference, resources

router = SimpleRouter()
router.register("audit-events", resources.AuditEventViewSet, basename="audit-event")
router.register("grants", resources.GrantViewSet, basename="grant")
router.register("markings", resources.MarkingViewSet, basename="marking")
router.register("municipalities", reference.MunicipalityViewSet, basename="municipality")
router.register("crossing-points", reference.CrossingPointViewSet, basename="crossing-point")
router.register("countries", reference.CountryViewSet, basename="country")
router.register("legal-acts", reference.LegalActViewSet, basename="legal-act")
router.register("offences", reference.OffenceViewSet, basename="offence")

urlpatterns = router.urls
