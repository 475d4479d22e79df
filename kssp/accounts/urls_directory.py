"""Directory pages, mounted at ``directory/``. Institutions, units and memberships are addressed by
their public_id (ARCHITECTURE rule 7)."""

from django.urls import path

from kssp.accounts import views_access
from kssp.accounts import views_directory as views

app_name = "directory"

urlpatterns = [
    path("", views.institution_list, name="institution_list"),
    path("institutions/<uuid:public_id>/", views.institution_detail, name="institution_detail"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/<slug:code>/change/", views_access.role_change, name="role_change"),
    path("units/<uuid:public_id>/members/", views.unit_members, name="unit_members"),
    path("units/<uuid:public_id>/members/grant/", views.membership_grant, name="membership_grant"),
    path("memberships/<uuid:public_id>/end/", views.membership_end, name="membership_end"),
    path("memberships/<uuid:public_id>/clearance/", views.clearance_record, name="clearance_record"),
    path("people/", views_access.people_list, name="people"),
    path("people/new/", views_access.person_onboard, name="person_onboard"),
    path("changes/", views_access.access_change_list, name="access_change_list"),
    path("changes/<uuid:public_id>/", views_access.access_change_detail, name="access_change_detail"),
]
