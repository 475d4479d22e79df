"""The public site, mounted at /public/ (every path here loses the client address first)."""

from django.urls import path

from kssp.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("message/", views.contact, name="contact"),
    path("status/", views.status, name="status"),
    path("privacy/", views.privacy, name="privacy"),
    path("language/<str:code>/", views.language, name="language"),
]
