"""The spreadsheet pages, included in `imports.urls` (namespace "imports")."""

from django.urls import path

from . import spreadsheet_views as views

urlpatterns = [
    path("spreadsheet/", views.spreadsheet, name="spreadsheet"),
    path("spreadsheet/template.xlsx", views.spreadsheet_template, name="spreadsheet_template"),
    path("spreadsheet/export.xlsx", views.spreadsheet_export, name="spreadsheet_export"),
]
