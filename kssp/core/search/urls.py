from django.urls import path

from kssp.core.search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("check/", views.search_check, name="check"),
]
