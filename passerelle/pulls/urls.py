from django.urls import path

from . import views

app_name = "pulls"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_create, name="create"),
    path("<uuid:public_id>/", views.connection_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.connection_edit, name="edit"),
    path("<uuid:public_id>/pull/", views.connection_pull, name="pull"),
]
