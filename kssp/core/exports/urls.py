from django.urls import path

from kssp.core.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_index, name="index"),
    path("<slug:name>/", views.export_view, name="export"),
]
