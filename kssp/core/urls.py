from django.urls import path

from kssp.core import views_grants, views_pages

app_name = "core"

urlpatterns = [
    path("records/<str:record_type>/<uuid:public_id>/grants/", views_grants.record_grants, name="record_grants"),
    path(
        "records/<str:record_type>/<uuid:public_id>/grants/<uuid:grant_id>/revoke/",
        views_grants.record_grant_revoke,
        name="record_grant_revoke",
    ),
    path("records/<str:record_type>/<uuid:public_id>/numbers/", views_grants.record_identifier_add, name="record_identifier_add"),
    path(
        "records/<str:record_type>/<uuid:public_id>/numbers/<uuid:identifier_id>/remove/",
        views_grants.record_identifier_remove,
        name="record_identifier_remove",
    ),
    path("notices/<uuid:public_id>/", views_pages.hit_notice_detail, name="hit_notice_detail"),
    path("notices/<uuid:public_id>/share/", views_pages.hit_notice_share_view, name="hit_notice_share"),
    path("notices/<uuid:public_id>/acknowledge/", views_pages.hit_notice_acknowledge, name="hit_notice_acknowledge"),
]
