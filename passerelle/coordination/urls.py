from . import training_urls, views

app_name = "coordination"

urlpatterns: list = [
    *views.urlpatterns,
    *training_urls.urlpatterns,
]
