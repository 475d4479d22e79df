from django.urls import path

from kssp.core.parties import views, views_party

app_name = "parties"

urlpatterns = [
    path("", views.person_search, name="person_search"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:public_id>/edit/", views.person_update, name="person_update"),
    path("persons/<uuid:public_id>/documents/", views.document_add, name="document_add"),
    path("persons/<uuid:public_id>/merge/", views.person_merge, name="person_merge"),
    path("persons/<uuid:public_id>/unmerge/", views.person_unmerge, name="person_unmerge"),
    path("vehicles/new/", views_party.vehicle_create, name="vehicle_create"),
    path("vehicles/<uuid:public_id>/", views.vehicle_detail, name="vehicle_detail"),
    path("vehicles/<uuid:public_id>/edit/", views_party.vehicle_update, name="vehicle_update"),
    path("organisations/new/", views_party.organisation_create, name="organisation_create"),
    path("organisations/<uuid:public_id>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<uuid:public_id>/edit/", views_party.organisation_update, name="organisation_update"),
]
