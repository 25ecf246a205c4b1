from . import gap_views, io_views, pathway_views, views

app_name = "referrals"

urlpatterns = [
    *views.urlpatterns,
    *io_views.urlpatterns,
    *pathway_views.urlpatterns,
    *gap_views.urlpatterns,
]
