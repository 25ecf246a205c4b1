from django.urls import path

from . import spreadsheet_urls, views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_new, name="new"),
    path("example/", views.example_page, name="example"),
    path("example/form.xlsx", views.example_form, name="example_form"),
    path("example/submissions.csv", views.example_export_csv, name="example_export_csv"),
    path("example/submissions.xlsx", views.example_export_xlsx, name="example_export_xlsx"),
    *spreadsheet_urls.urlpatterns,
    path("<uuid:public_id>/", views.batch_detail, name="detail"),
    path("<uuid:public_id>/mapping/", views.batch_mapping, name="mapping"),
    path("<uuid:public_id>/preview/", views.batch_preview, name="preview"),
    path("<uuid:public_id>/apply/", views.batch_apply, name="apply"),
    path("<uuid:public_id>/progress/", views.batch_progress, name="progress"),
    path("<uuid:public_id>/cancel/", views.batch_cancel, name="cancel"),
]
