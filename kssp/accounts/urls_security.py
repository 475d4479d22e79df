"""Security pages, mounted under ``accounts/security/`` in the accounts namespace (see kssp/accounts/urls.py)."""

from django.urls import path

from kssp.accounts import views_security as views

urlpatterns = [
    path("", views.security_overview, name="security"),
    path("code/", views.otp_verify, name="otp_verify"),
    path("code/set-up/", views.otp_enrol, name="otp_enrol"),
    path("code/backup-codes/", views.backup_codes_regenerate, name="backup_codes_regenerate"),
    path("pin/", views.pin_set, name="pin_set"),
    path("pin/remove/", views.pin_remove, name="pin_remove"),
    path("lock/", views.screen_lock, name="screen_lock"),
    path("locked/", views.screen_locked, name="screen_locked"),
    path("activity/", views.activity, name="activity"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("reset/<str:token>/", views.password_reset, name="password_reset"),
    path("users/", views.account_security_admin, name="account_security_admin"),
    path("access-review/", views.access_review, name="access_review"),
]
