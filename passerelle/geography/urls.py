from django.urls import path

from . import admin_views, views

app_name = "geography"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("load/", admin_views.area_upload, name="upload"),
    path("load/apply/", admin_views.area_apply, name="apply"),
    path("boundaries/<int:level>/<str:digest>.json", views.boundaries, name="boundaries"),
]
