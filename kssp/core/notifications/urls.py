from django.urls import path

from kssp.core.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("<uuid:public_id>/", views.open_notification, name="open"),
    path("<uuid:public_id>/read/", views.mark_read, name="mark_read"),
]
