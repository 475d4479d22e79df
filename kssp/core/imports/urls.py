from django.urls import path

from kssp.core.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_upload, name="batch_upload"),
    path("types/<slug:code>/template.csv", views.type_template, name="type_template"),
    path("<uuid:public_id>/", views.batch_detail, name="batch_detail"),
    path("<uuid:public_id>/progress/", views.batch_progress, name="batch_progress"),
    path("<uuid:public_id>/report.csv", views.batch_report, name="batch_report"),
    path("<uuid:public_id>/promote/", views.batch_promote, name="batch_promote"),
    path("<uuid:public_id>/discard/", views.batch_discard, name="batch_discard"),
    path("<uuid:public_id>/resume/", views.batch_resume, name="batch_resume"),
]
