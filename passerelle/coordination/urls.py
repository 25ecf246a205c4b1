from django.urls import path

from . import list_export, training_urls, views

app_name = "coordination"

urlpatterns: list = [
    *views.urlpatterns,
    *training_urls.urlpatterns,
    path("action-points/export.xlsx", list_export.action_points_xlsx, name="action_points_xlsx"),
]
