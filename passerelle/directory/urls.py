from django.urls import path

from . import list_export, views

app_name = "directory"

urlpatterns = [
    *views.urlpatterns,
    path("focal-points/export.xlsx", list_export.directory_xlsx, name="export_xlsx"),
]
