"""Spreadsheet pages: the template to fill, the upload of a filled file (then the import's
usual preview and apply), and the export of incidents and persons in the same format.

The reading and writing live in `imports.spreadsheets`; the check and the application are
the pipeline's, through the same pages as every import (`imports:preview`, `imports:apply`).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit, exports
from passerelle.core.errors import DomainError, add_to_form
from passerelle.incidents.forms import IncidentFilterForm
from passerelle.incidents.list_export import RELATED
from passerelle.incidents.models import Incident

from . import batches, pipeline, spreadsheets
from . import spreadsheet_export as writing

SUFFIXES = (".xlsx", ".csv", ".txt", ".tsv")


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class SpreadsheetUploadForm(forms.Form):
    organisation = OrganisationField(
        label=_("Import into"),
        queryset=None,
        empty_label=None,
        help_text=_("The incidents will belong to this organisation."),
    )
    file = forms.FileField(
        label=_("Filled spreadsheet"),
        help_text=_(
            "The template filled in (.xlsx, with its incidents and persons sheets), or a CSV "
            "file of the incidents sheet alone."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from passerelle.accounts.models import Organisation

        own = policy.organisations(user, "import.run")
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in own]
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "IMPORT_MAX_BYTES", settings.MAX_REQUEST_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(
                _("The file must be an Excel workbook (.xlsx) or a CSV file.")
            )
        return upload


def check(actor, *, batch):
    """Validate every row (nothing written) and keep the counts and errors with the batch."""
    rows, errors = pipeline.read_batch(batch)
    plan = pipeline.prepare(
        actor,
        organisation=batch.organisation,
        rows=rows,
        source=batch.source,
        source_key=batch.source_key,
        errors=errors,
    )
    return batches.record_check(actor, batch=batch, plan=plan)


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@policy.permission("import.run")
def spreadsheet(request):
    """Upload a filled template: kept as a draft import, checked, then the import's preview."""
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = spreadsheets.upload(
                request.user,
                organisation=form.cleaned_data["organisation"],
                upload=form.cleaned_data["file"],
            )
            check(request.user, batch=batch)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("imports:preview", public_id=batch.public_id)
    return render(
        request, "imports/spreadsheet.html", {"form": form, "max_rows": spreadsheets.MAX_ROWS}
    )


@policy.permission("import.run")
def spreadsheet_template(request):
    """The empty template: incidents, persons, and the lists of allowed codes."""
    return _download(writing.template_bytes(), "passerelle-incidents-template.xlsx")


@policy.permission("incident.export")
def spreadsheet_export(request):
    """The incidents the list shows (its filters) of the organisations where the user holds
    `incident.export`, with their persons, in the template's format: only what the user may
    see (policy.redact, level-3/4 reads audited), one `incident.export` event."""
    form = IncidentFilterForm(request.GET or None)
    orgs = policy.organisations(request.user, "incident.export")
    qs = policy.scope(request.user, Incident.objects.all(), "incident.view")
    qs = qs.filter(owner__in=orgs)
    if form.is_bound and form.is_valid():
        qs = form.apply(qs)
    qs = qs.select_related(*RELATED).prefetch_related("victim_counts__age_group", "need_to_know")
    incidents = list(qs.order_by("reference"))
    policy.prefetch_shared(request.user, incidents)
    incident_cols, person_cols, rows, persons = writing.export_rows(request.user, incidents)
    content = writing.workbook(rows, persons, columns=(incident_cols, person_cols))
    has_identity = any(c.code == "full_name" for c in person_cols) and bool(persons)
    case_level = bool(persons) or any(c.code == "narrative" for c in incident_cols)
    audit.record(
        request.user,
        "incident.export",
        organisation=(orgs or [None])[0],
        level=4 if has_identity else (3 if case_level else 2),
        detail={
            "format": "xlsx-template",
            "rows": len(rows),
            "persons": len(persons),
            "identities": has_identity,
            "filters": exports.filter_codes(form),
        },
    )
    stamp = timezone.localdate().isoformat()
    return _download(content, f"passerelle-incidents-{stamp}.xlsx")
