from django.urls import path, re_path

from . import schema, views

app_name = "api"

urlpatterns = [
    path("schema/", schema.Schema.as_view(), name="schema"),
    path("docs/", schema.Docs.as_view(), name="docs"),
    path("incidents/", views.IncidentList.as_view(), name="incidents"),
    path("incidents/<uuid:public_id>/", views.IncidentDetail.as_view(), name="incident"),
    path("persons/", views.PersonList.as_view(), name="persons"),
    path("persons/<uuid:public_id>/", views.PersonDetail.as_view(), name="person"),
    path("consents/", views.ConsentList.as_view(), name="consents"),
    path("consents/<uuid:public_id>/", views.ConsentDetail.as_view(), name="consent"),
    path("disclosures/", views.DisclosureList.as_view(), name="disclosures"),
    path("disclosures/<uuid:public_id>/", views.DisclosureDetail.as_view(), name="disclosure"),
    path("referrals/", views.ReferralList.as_view(), name="referrals"),
    path("referrals/<uuid:public_id>/", views.ReferralDetail.as_view(), name="referral"),
    path("services/", views.ServiceList.as_view(), name="services"),
    path("services/<uuid:public_id>/", views.ServiceDetail.as_view(), name="service"),
    path("requests/", views.RequestList.as_view(), name="requests"),
    path("requests/<uuid:public_id>/", views.RequestDetail.as_view(), name="request"),
    path("areas/", views.AreaList.as_view(), name="areas"),
    path("vocabularies/", views.TermList.as_view(), name="vocabularies"),
    path("aggregates/", views.AggregateTable.as_view(), name="aggregates"),
    path("response-gaps/", views.ResponseGaps.as_view(), name="response_gaps"),
    re_path(r"^.*$", views.NotFound.as_view(), name="not_found"),
]
