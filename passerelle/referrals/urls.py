from django.urls import path

from . import gap_views, io_views, list_export, pathway_views, views

app_name = "referrals"

urlpatterns = [
    *views.urlpatterns,
    *io_views.urlpatterns,
    *pathway_views.urlpatterns,
    *gap_views.urlpatterns,
    path("export.xlsx", list_export.referral_xlsx, name="export_xlsx"),
]
