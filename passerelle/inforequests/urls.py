from django.urls import path

from . import list_export
from .views import urlpatterns as page_urls

app_name = "inforequests"

urlpatterns = [
    *page_urls,
    path("export.xlsx", list_export.request_xlsx, name="export_xlsx"),
]
