from django.urls import path

from kssp.core import views_pages

app_name = "core"

urlpatterns = [
    path("notices/<uuid:public_id>/acknowledge/", views_pages.hit_notice_acknowledge, name="hit_notice_acknowledge"),
]
