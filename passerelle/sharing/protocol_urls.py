"""The protocol pages; joined to the `sharing` namespace by `sharing/urls.py` (no app_name)."""

from django.urls import path

from . import protocol_views as views

urlpatterns = [
    path("protocols/", views.protocol_list, name="protocol_list"),
    path("protocols/new/", views.protocol_create, name="protocol_create"),
    path("protocols/<uuid:public_id>/", views.protocol_detail, name="protocol_detail"),
    path("protocols/<uuid:public_id>/edit/", views.protocol_edit, name="protocol_edit"),
    path("protocols/<uuid:public_id>/print/", views.protocol_print, name="protocol_print"),
    path("protocols/<uuid:public_id>/pdf/", views.protocol_pdf, name="protocol_pdf"),
    path("protocols/<uuid:public_id>/approve/", views.protocol_approve, name="protocol_approve"),
    path("protocols/<uuid:public_id>/activate/", views.protocol_activate, name="protocol_activate"),
    path("protocols/<uuid:public_id>/suspend/", views.protocol_suspend, name="protocol_suspend"),
]
