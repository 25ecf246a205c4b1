from django.urls import path

from . import views

app_name = "geography"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("boundaries/<int:level>/<str:digest>.json", views.boundaries, name="boundaries"),
]
