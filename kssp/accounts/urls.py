from django.urls import include, path

from kssp.accounts import urls_security, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("memberships/", views.membership_list, name="membership_list"),
    path("memberships/switch/", views.membership_switch, name="membership_switch"),
    path("security/", include(urls_security)),
]
