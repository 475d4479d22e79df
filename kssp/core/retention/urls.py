from django.urls import path

from kssp.core.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/<uuid:public_id>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:public_id>/decide/", views.review_decide, name="review_decide"),
    path("reviews/<uuid:public_id>/propose/", views.review_propose, name="review_propose"),
    path("reviews/<uuid:public_id>/execute/", views.review_execute, name="review_execute"),
]
