from django.urls import path

from kssp.core.links import views

app_name = "links"

urlpatterns = [
    path("search/", views.record_search, name="record_search"),
    path("find/", views.record_find, name="record_find"),
    path("<str:record_type>/<uuid:record_id>/add/", views.link_add, name="link_add"),
    path("<str:record_type>/<uuid:record_id>/fields/", views.link_fields, name="link_fields"),
    path("<str:record_type>/<uuid:record_id>/<uuid:link_id>/remove/", views.link_remove, name="link_remove"),
]
