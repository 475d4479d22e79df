from django.urls import path

from kssp.core.attachments import views

app_name = "attachments"

urlpatterns = [
    path("<uuid:public_id>/download/", views.attachment_download, name="download"),
    path("<uuid:public_id>/remove/", views.attachment_remove, name="remove"),
    path("<str:record_type>/<uuid:record_id>/upload/", views.attachment_upload, name="upload"),
]
