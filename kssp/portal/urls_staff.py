"""Staff pages of the public site (mounted outside /public/, e.g. at /public-messages/)."""

from django.urls import path

from kssp.portal import views_staff

app_name = "portal_staff"

urlpatterns = [
    path("", views_staff.submission_list, name="submission_list"),
    path("<uuid:public_id>/", views_staff.submission_detail, name="submission_detail"),
    path("<uuid:public_id>/status/", views_staff.submission_transition, name="submission_transition"),
]
