"""The project's URLs plus the test record's page: ``ROOT_URLCONF`` when ``KSSP_TESTING`` is on."""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns
from kssp.core.testing.recordkind import views

recordkind_patterns = (
    [path("<uuid:public_id>/", views.samplerecord_detail, name="samplerecord_detail")],
    "recordkind",
)

urlpatterns = [path("testing/sample-records/", include(recordkind_patterns)), *project_urlpatterns]
