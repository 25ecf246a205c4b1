from django.urls import path

from . import held_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("two-factor/", views.otp_manage, name="otp_manage"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("two-factor/verify/", views.otp_verify, name="otp_verify"),
    path("keep-alive/", held_views.keep_alive, name="keep_alive"),
    path("kept/<uuid:public_id>/", held_views.held_submission, name="held"),
]
