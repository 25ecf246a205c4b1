"""Pages to export the service mapping (XLSX, HXL CSV) and to import it, all rows or none.

The reading, checking and writing live in the `mapping` package; these views parse the
request, check the permission, call it and answer. The error report of the last rejected
import is kept in the session (service directory data only, compressed) until the next import.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit

from . import mapping

SESSION_KEY = "referrals.service_import_report"
SHOWN_ERRORS = 200  # problems listed on the page; the report has them all


class ServiceImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, with or without HXL hashtags."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > mapping.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": mapping.MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _download(content, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, fmt: str) -> HttpResponse:
    services, filters = mapping.filtered_services(request.GET)
    services = list(services)
    audit.record(
        request.user,
        "service.export",
        organisation=(policy.organisations(request.user, "service.view") or [None])[0],
        level=1,
        detail={"format": fmt, "rows": len(services), "filters": filters},
    )
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return _download(mapping.export_xlsx(services), mapping.XLSX_TYPE, f"services-{stamp}.xlsx")
    return _download(
        mapping.export_hxl_csv(services), "text/csv; charset=utf-8", f"services-{stamp}.csv"
    )


@policy.permission("service.view")
def service_export_xlsx(request):
    """The services (filtered by ?provider=, ?type=, ?area=, ?status=) as an XLSX workbook."""
    return _export(request, "xlsx")


@policy.permission("service.view")
def service_export_hxl(request):
    """The same services as an HXL-tagged CSV file."""
    return _export(request, "csv")


def _require_importer(request) -> None:
    if not mapping.may_import(request.user):
        policy.audit_refusal(request.user, "service.manage")
        raise PermissionDenied


@policy.permission("service.manage", "servicemap.manage")
def service_import(request):
    """Upload a file of services: every row is applied, or none and the problems are shown."""
    _require_importer(request)
    form = ServiceImportForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "own": policy.organisations(request.user, "service.manage"),
        "max_rows": mapping.MAX_ROWS,
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = mapping.import_file(request.user, upload.read(), upload.name)
        except mapping.ImportRejected as exc:
            request.session[SESSION_KEY] = exc.payload()
            context.update(errors=exc.errors[:SHOWN_ERRORS], error_count=len(exc.errors))
            return render(request, "referrals/service_import.html", context)
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request,
            # counts as "label: number", so that no noun or participle agrees with a number
            _(
                "Import done. Services created: %(created)s; updated: %(updated)s; "
                "unchanged: %(unchanged)s."
            )
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
        if report.ignored:
            messages.info(
                request,
                _("Columns not recognised, left aside: %(columns)s.")
                % {"columns": ", ".join(report.ignored)},
            )
        return redirect("referrals:service_import")
    return render(request, "referrals/service_import.html", context)


@policy.permission("service.manage", "servicemap.manage")
def service_import_errors(request):
    """The error report of the last rejected import (XLSX, in the user's language)."""
    _require_importer(request)
    payload = request.session.get(SESSION_KEY)
    if not payload:
        raise Http404
    stamp = timezone.localdate().isoformat()
    return _download(
        mapping.error_report_xlsx(payload),
        mapping.XLSX_TYPE,
        f"services-import-errors-{stamp}.xlsx",
    )


urlpatterns = [
    path("services/export.xlsx", service_export_xlsx, name="service_export_xlsx"),
    path("services/export.csv", service_export_hxl, name="service_export_hxl"),
    path("services/import/", service_import, name="service_import"),
    path("services/import/errors.xlsx", service_import_errors, name="service_import_errors"),
]
