
from kssp.bulletins import views
from kssp.core.views_capture import QuickCapture

app_name = "bulletins"

urlpatterns = [
    *views.pages.urls(),  # list, new, detail, edit, status, check, statistics (kssp.core.views_records)
    *QuickCapture(views.pages).urls(),  # the offline-tolerant page of the declaration's offline_form
]
