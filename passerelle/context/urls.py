from django.urls import path

from . import views

app_name = "context"

urlpatterns = [
    path("", views.events, name="events"),
    path("import/", views.import_acled, name="import"),
]
