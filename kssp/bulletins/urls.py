from django.urls import path

from kssp.bulletins import views
from kssp.core.views_capture import QuickCapture

app_name = "bulletins"

urlpatterns = [
    *views.pages.urls(),  # list, new, detail, edit, status, check (kssp.core.views_records)
    *QuickCapture(views.pages).urls(),  # the offline-tolerant page of the declaration's offline_form
    path("statistics/", views.bulletin_statistics, name="bulletin_statistics"),
]
