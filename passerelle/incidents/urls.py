from django.urls import path

from . import list_export, views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("export.xlsx", list_export.incident_xlsx, name="export_xlsx"),
    path("areas/", views.area_options, name="area_options"),
    path("persons/search/", views.person_search, name="person_search"),
    path("<uuid:public_id>/", views.incident_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.incident_edit, name="edit"),
    path("<uuid:public_id>/verify/", views.incident_verify, name="verify"),
    path("<uuid:public_id>/access/", views.need_to_know, name="need_to_know"),
    path("<uuid:public_id>/persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:public_id>/", views.person_detail, name="person"),
    path("persons/<uuid:public_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:public_id>/consent/", views.consent_record, name="consent_record"),
    path("consents/<uuid:public_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
