"""URLs of the mapping of trainings, spliced into `coordination.urls` (namespace
"coordination")."""

from django.urls import path

from . import training_views as views

urlpatterns: list = [
    path("trainings/", views.training_list, name="training_list"),
    path("trainings/map/", views.training_map, name="training_map"),
    path("trainings/export.xlsx", views.training_xlsx, name="training_xlsx"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/<uuid:public_id>/", views.training_detail, name="training_detail"),
    path("trainings/<uuid:public_id>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<uuid:public_id>/delete/", views.training_delete, name="training_delete"),
]
