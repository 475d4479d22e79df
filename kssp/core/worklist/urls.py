from django.urls import path

from kssp.core.worklist import views

app_name = "worklist"

urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("new/", views.work_item_new, name="work_item_new"),
    path("<uuid:public_id>/", views.work_item_detail, name="work_item_detail"),
    path("<uuid:public_id>/status/", views.work_item_transition, name="work_item_transition"),
    path("<uuid:public_id>/assign/", views.work_item_assign, name="work_item_assign"),
]
