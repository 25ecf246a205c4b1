from django.urls import path

from . import jobs_views, views

app_name = "core"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("audit/", views.audit_log, name="audit"),
    path("jobs/", jobs_views.job_list, name="jobs"),
    path("jobs/<slug:name>/run/", jobs_views.job_run, name="job_run"),
    path("audit/export.xlsx", views.audit_xlsx, name="audit_xlsx"),
]
