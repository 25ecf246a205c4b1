"""Import pages: the list of an organisation's imports, and one import's steps — upload the
XLSForm and the submissions export, check the mapping, preview (every row-level error, nothing
applied while one remains), apply in the background with a progress bar, cancel.

Thin views: parse → authorize (policy) → one service or query → render. Reading the form is
xlsforms' (H3), turning the export into rows the readers' (H4), validating and writing the
pipeline's; `steps` is the glue between them and these pages.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core.errors import DomainError, add_to_form
from passerelle.incidents.models import Incident

from . import batches, example, pipeline, steps
from .forms import ExampleForm, UploadForm
from .models import ImportBatch, ImportedSubmission

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 50
SAMPLE_ROWS = 10
RUNNING = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
ENDED = (ImportBatch.Status.APPLIED, ImportBatch.Status.FAILED, ImportBatch.Status.CANCELLED)


def _batch(request, public_id) -> ImportBatch:
    return policy.get_or_404(request.user, ImportBatch, public_id, "import.run")


@policy.permission("import.run")
def batch_list(request):
    """The imports of the organisations where the user may import, newest first."""
    qs = policy.scope(
        request.user,
        ImportBatch.objects.select_related("organisation", "created_by").defer(
            "payload", "errors_sealed"
        ),
        "import.run",
    )
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/list.html", {"page": page})


@policy.permission("import.run")
def batch_new(request):
    """Step 1: the organisation, the XLSForm (or a known version) and the export."""
    versions = steps.known_form_versions(policy.organisations(request.user, "import.run"))
    form = UploadForm(
        request.POST or None, request.FILES or None, user=request.user, form_versions=versions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = steps.upload(
                request.user,
                organisation=data["organisation"],
                form_version=data.get("form_version"),
                xlsform=data.get("xlsform"),
                export=data["export"],
            )
        except steps.FormRejected as exc:
            form.add_error("xlsform", _("This XLSForm could not be read: see why above."))
            return render(
                request,
                "imports/new.html",
                {"form": form, "form_problems": exc.messages},
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("imports:mapping", public_id=batch.public_id)
    return render(request, "imports/new.html", {"form": form})


@policy.permission("import.run")
def batch_detail(request, public_id):
    """Where an import stands: its next step, its progress while it runs, its result."""
    batch = _batch(request, public_id)
    context = {"batch": batch, "progress": steps.progress(batch)}
    if batch.status == ImportBatch.Status.FAILED and batch.error_count:
        errors = steps.worded_errors(batch)
        context["errors"] = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    if batch.status == ImportBatch.Status.APPLIED:
        written = ImportedSubmission.objects.filter(batch=batch).values("incident_id")
        incidents = policy.scope(
            request.user, Incident.objects.filter(pk__in=written), "incident.view"
        ).order_by("reference")
        context["incidents"] = Paginator(
            incidents.only("public_id", "reference"), ERRORS_PER_PAGE
        ).get_page(request.GET.get("page"))
    return render(request, "imports/detail.html", context)


@policy.permission("import.run")
def batch_mapping(request, public_id):
    """Step 2: the questions of the form → Passerelle's fields, and each choice → a code.
    Saved for the form version (and reused by its next imports); then the rows are checked."""
    batch = _batch(request, public_id)
    if batch.status not in batches.OPEN:
        return redirect("imports:detail", public_id=batch.public_id)
    if batch.source != ImportBatch.Source.XLSFORM:  # a spreadsheet's columns are fixed
        return redirect("imports:preview", public_id=batch.public_id)
    data = request.POST if request.method == "POST" else None
    editor = steps.mapping_editor(batch, data, user=request.user)
    if editor is not None and request.method == "POST":
        if editor.is_valid():
            try:
                steps.save_mapping(request.user, batch=batch, editor=editor)
                steps.check(request.user, batch=batch)
            except DomainError as exc:
                editor.add_problem(exc.message)
            else:
                return redirect("imports:preview", public_id=batch.public_id)
    elif editor is not None:
        editor.is_valid()  # the problems of the saved or proposed mapping, shown at once
    return render(request, "imports/mapping.html", {"batch": batch, "editor": editor})


@policy.permission("import.run")
def batch_preview(request, public_id):
    """Step 3: what the import would do, and every row-level error in the reader's language.
    POST checks the rows again (after the export's or the mapping's correction)."""
    batch = _batch(request, public_id)
    if request.method == "POST":
        if batch.status in batches.OPEN:
            try:
                steps.check(request.user, batch=batch)
            except DomainError as exc:
                messages.error(request, str(exc))
        return redirect("imports:preview", public_id=batch.public_id)
    if batch.status not in batches.OPEN:
        return redirect("imports:detail", public_id=batch.public_id)
    errors = steps.worded_errors(batch)
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "page": page,
        "sample": steps.sample(request.user, batch, SAMPLE_ROWS) if not errors else [],
    }
    return render(request, "imports/preview.html", context)


@policy.permission("import.run")
@require_POST
def batch_apply(request, public_id):
    """Step 4: queue the application of a checked batch (all or nothing, in the background)."""
    batch = _batch(request, public_id)
    if batch.status == ImportBatch.Status.DRAFT:  # not checked, or errors remain
        messages.error(request, _("Only a checked import without errors can be applied."))
        return redirect("imports:preview", public_id=batch.public_id)
    try:
        pipeline.start(request.user, batch)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("imports:preview", public_id=batch.public_id)
    return redirect("imports:detail", public_id=batch.public_id)


@policy.permission("import.run")
def batch_progress(request, public_id):
    """The progress box, polled by htmx every second while the import runs."""
    batch = _batch(request, public_id)
    response = render(
        request, "imports/_progress.html", {"batch": batch, "progress": steps.progress(batch)}
    )
    if request.htmx and batch.status in ENDED:
        # the whole page changes (result, links): htmx loads it instead of swapping the box
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
    return response


@policy.permission("import.run")
@require_POST
def batch_cancel(request, public_id):
    """Ask a queued or running import to stop: it rolls back, nothing is applied."""
    batch = _batch(request, public_id)
    try:
        pipeline.request_cancel(request.user, batch)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("Cancelling: nothing of this import will be applied."))
    return redirect("imports:detail", public_id=batch.public_id)


# --------------------------------------------------------------------------- the example


@policy.permission("import.run")
def example_page(request):
    """Where a newcomer finds a protection-monitoring XLSForm and an export of it (fictitious
    interviews) to try the import with: download them, or import them at once (POST)."""
    form = ExampleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        content = example.export_bytes("xlsx")
        batch = steps.upload(
            request.user,
            organisation=form.cleaned_data["organisation"],
            xlsform=ContentFile(example.form_bytes(), name=example.FORM_NAME),
            export=ContentFile(content, name=example.export_name("xlsx")),
        )
        return redirect("imports:mapping", public_id=batch.public_id)
    return render(request, "imports/example.html", {"form": form})


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@policy.permission("import.run")
def example_form(request):
    """The example XLSForm (French and English labels, groups, a repeat of victims,
    cascading region → cercle)."""
    return _file(example.form_bytes(), XLSX_TYPE, example.FORM_NAME)


@policy.permission("import.run")
def example_export_csv(request):
    """A KoboToolbox-shaped CSV export of the example form: fictitious interviews."""
    return _file(example.export_bytes("csv"), "text/csv; charset=utf-8", example.export_name("csv"))


@policy.permission("import.run")
def example_export_xlsx(request):
    """The same export as an XLSX workbook, with the victims' sheet."""
    return _file(example.export_bytes("xlsx"), XLSX_TYPE, example.export_name("xlsx"))
