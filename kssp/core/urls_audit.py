"""Audit trail and consultation log pages, mounted at ``audit/``."""

from django.urls import path

from kssp.core import views_audit as views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("events/<int:seq>/", views.event_detail, name="event_detail"),
    path("export/", views.event_export, name="export"),
    path("verify/", views.chain_verify, name="verify"),
]
