from django.urls import path

from kssp.bulletins import quick_capture, views

app_name = "bulletins"

urlpatterns = [
    *views.pages.urls(),  # list, new, detail, edit, status (kssp.core.views_records)
    path("check/", views.bulletin_hit_check, name="bulletin_hit_check"),
    path("statistics/", views.bulletin_statistics, name="bulletin_statistics"),
    *quick_capture.urlpatterns,
]
