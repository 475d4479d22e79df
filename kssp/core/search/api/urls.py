from rest_framework.routers import DefaultRouter

from kssp.core.search.api.views import SearchViewSet

router = DefaultRouter()
router.register("search", SearchViewSet, basename="search")
