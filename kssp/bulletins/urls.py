from django.urls import path

from kssp.bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.bulletin_list, name="bulletin_list"),
    path("new/", views.bulletin_create, name="bulletin_create"),
    path("check/", views.bulletin_hit_check, name="bulletin_hit_check"),
    path("statistics/", views.bulletin_statistics, name="bulletin_statistics"),
    path("<uuid:public_id>/", views.bulletin_detail, name="bulletin_detail"),
    path("<uuid:public_id>/edit/", views.bulletin_update, name="bulletin_update"),
    path("<uuid:public_id>/status/", views.bulletin_transition, name="bulletin_transition"),
]

from kssp.bulletins import quick_capture  # noqa: E402  (its own URL list, kept beside the page it serves)

urlpatterns += quick_capture.urlpatterns
