from django.urls import path

from . import protocol_urls, views

app_name = "sharing"

urlpatterns = [
    path("received/", views.received, name="received"),
    path("received/<uuid:public_id>/", views.received_detail, name="received_detail"),
    path("sent/", views.sent, name="sent"),
    path("sent/<uuid:public_id>/withdraw/", views.revoke, name="revoke"),
    path("sent/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("incidents/<uuid:public_id>/share/", views.share, name="share"),
    path(
        "incidents/<uuid:public_id>/share/guidance/", views.share_guidance, name="share_guidance"
    ),
    path("incidents/<uuid:public_id>/break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/", views.break_glass_list, name="break_glass_list"),
    path(
        "break-glass/<uuid:public_id>/review/", views.break_glass_review, name="break_glass_review"
    ),
    path("export.csv", views.export, name="export"),
    path("received/export.xlsx", views.received_xlsx, name="received_xlsx"),
    path("aggregates/", views.aggregate_table, name="aggregates"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

# the protocol pages join the same namespace
urlpatterns += protocol_urls.urlpatterns
