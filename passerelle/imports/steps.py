"""The glue between the import pages and the pieces they drive: the XLSForm's reading and
the saved mappings (xlsforms.forms), the export's readers (xlsforms.submissions, registered
with the pipeline), the pipeline's check, start, progress and cancel.

No rule lives here: each call goes to the module that owns it; this only puts their answers
in the shape the templates read.
"""

from __future__ import annotations

import itertools

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core.errors import DomainError

from . import batches, pipeline
from .models import ImportBatch


class FormRejected(DomainError):
    """The XLSForm could not be read: every problem pyxform (or the reader) found."""

    def __init__(self, messages: list):
        super().__init__(messages[0] if messages else _("The XLSForm could not be read."))
        self.messages = list(messages) or [self.message]


# --------------------------------------------------------------------------- errors


def worded_errors(batch: ImportBatch) -> list[dict]:
    """The batch's row-level errors, each message in the reader's language, in the order of
    the file's rows (the file's own problems first; the reader's and the rules' errors are
    found in two passes)."""
    language = (translation.get_language() or "fr")[:2]
    out = []
    for error in batch.errors:
        message = error.get("message")
        if isinstance(message, dict):
            message = message.get(language) or message.get("en") or next(iter(message.values()))
        out.append(
            {
                "row": error.get("row") or 0,
                "column": error.get("column") or "",
                "message": message or "",
                "code": error.get("code", ""),
            }
        )
    out.sort(key=lambda e: e["row"] if isinstance(e["row"], int) else 0)
    return out


# --------------------------------------------------------------------------- progress


def progress(batch: ImportBatch) -> dict:
    """done / total / status of a batch, as the pipeline reports it."""
    report = getattr(pipeline, "batch_progress", None)
    found = report(batch) if report is not None else None
    if isinstance(found, dict):
        done = found.get("done", 0) or 0
        total = found.get("total", 0) or 0
    else:
        done = total = 0
    if not total:
        total = batch.total_rows
        if batch.status == ImportBatch.Status.APPLIED:
            done = total
    return {"done": min(done, total), "total": total, "status": batch.status}


# --------------------------------------------------------------------------- the sample


def sample(user, batch: ImportBatch, limit: int) -> list[dict]:
    """The first rows the import would write, de-identified unless the user may read
    identities in the batch's organisation (the pipeline encrypts them; the page shows
    names only to who may see them)."""
    rows, _errors = read_rows(batch)
    identities = policy.can(user, "person.view_identity", batch.organisation)
    out = []
    for row in itertools.islice(rows, limit):
        values = row.values
        out.append(
            {
                "row": row.row,
                "key": row.key,
                "occurred_on": values.get("occurred_on"),
                "area": values.get("area", ""),
                "category": values.get("category", ""),
                "victims": sum(row.victim_counts.values())
                or sum(1 for p in row.persons if p.role == "victim"),
                "persons": [
                    {
                        "sex": p.sex,
                        "age": p.age,
                        "name": p.full_name if identities else "",
                        "consents": sorted(k for k, v in p.consents.items() if v),
                        "needs": p.needs,
                    }
                    for p in row.persons
                ],
            }
        )
    _name_codes(out)
    return out


def _name_codes(rows: list[dict]) -> None:
    """Areas, categories and sexes of the sample in words of the reader's language (one
    query per table for the whole sample)."""
    from passerelle.geography.models import Area
    from passerelle.incidents.models import Sex
    from passerelle.vocabularies.models import Term

    areas = {a.pcode: a.name for a in Area.objects.filter(pcode__in={r["area"] for r in rows})}
    terms = {
        t.code: t.label
        for t in Term.objects.categories().filter(code__in={r["category"] for r in rows})
    }
    sexes = dict(Sex.choices)
    for row in rows:
        row["area_name"] = areas.get(row["area"], "")
        row["category_name"] = terms.get(row["category"], "")
        for person in row["persons"]:
            person["sex_name"] = sexes.get(person["sex"], person["sex"])


# --------------------------------------------------------------------------- the check


def read_rows(batch: ImportBatch):
    """(IncidentIn rows, reader's RowErrors) of a stored batch, by the reader registered for
    its source."""
    return pipeline.read_batch(batch)


def check(actor, *, batch: ImportBatch) -> ImportBatch:
    """Validate every row (nothing written) and keep the counts and errors with the batch."""
    policy.require(actor, "import.run", batch)
    rows, errors = read_rows(batch)
    plan = pipeline.prepare(
        actor,
        organisation=batch.organisation,
        rows=rows,
        source=batch.source,
        source_key=batch.source_key,
        errors=errors,
    )
    return batches.record_check(actor, batch=batch, plan=plan)


# --------------------------------------------------------------------------- the form


def known_form_versions(organisations):
    """The form versions already imported from by these organisations."""
    from passerelle.xlsforms.models import FormVersion

    return FormVersion.objects.filter(organisation__in=organisations).select_related("organisation")


def upload(actor, *, organisation, form_version=None, xlsform=None, export) -> ImportBatch:
    """Step 1: the form version (read from the uploaded XLSForm or chosen among the known
    ones) and the export, kept encrypted in a new draft batch."""
    if form_version is None:
        from passerelle.xlsforms import services as xlsforms

        try:
            form_version = xlsforms.save_form(actor, organisation=organisation, data=xlsform.read())
        except DomainError as exc:  # pyxform's problems, a version already taken...
            raise FormRejected([exc.message]) from None
    elif not policy.can(actor, "import.run", form_version):
        raise DomainError(_("This form version belongs to another organisation."))
    return batches.create_batch(
        actor,
        organisation=organisation,
        filename=export.name,
        content=export.read(),
        source=ImportBatch.Source.XLSFORM,
        source_key=form_version.form_id,
        options={"form_version": str(form_version.public_id)},
    )


def form_version_of(batch: ImportBatch):
    from passerelle.xlsforms.submissions.batch import form_version_of as found

    return found(batch)


IDENTITY_TARGETS = (
    "persons.full_name",
    "persons.father_name",
    "persons.mother_name",
    "persons.phone",
    "persons.address",
)


def current_mapping(version, user=None) -> tuple[dict, bool, list]:
    """(the mapping saved for this form version, True, []) or (a proposal, False, what was
    left out): a proposal leaves out the persons when `user` may not record persons in the
    form's organisation, and the identities when they may not read them (the pipeline would
    refuse every such row; the page says why those questions are not imported)."""
    from passerelle.xlsforms import services as xlsforms
    from passerelle.xlsforms.models import FormMapping

    proposal = dict(xlsforms.initial_mapping(version))
    if FormMapping.objects.filter(form_version=version).exists():
        return proposal, True, []
    left_out = []
    if user is not None:
        organisation = version.organisation
        if not policy.can(user, "person.create", organisation):
            left_out = [t for t in proposal if t.startswith("persons.")]
        elif not policy.can(user, "person.view_identity", organisation):
            left_out = [t for t in proposal if t in IDENTITY_TARGETS]
    for target in left_out:
        del proposal[target]
    return proposal, False, left_out


def save_mapping(actor, *, batch: ImportBatch, editor) -> None:
    """Keep the officer's mapping for the batch's form version (reused by its next imports):
    xlsforms' service, which checks it once more."""
    from passerelle.xlsforms import services as xlsforms

    try:
        xlsforms.save_mapping(actor, form_version=editor.version, mapping=editor.mapping())
    except xlsforms.MappingRefused as exc:
        raise DomainError(
            "; ".join(str(error.message) for error in exc.errors) or exc.message
        ) from None
    if batch.options.get("mapping") is not None:  # the saved mapping now applies
        options = {k: v for k, v in batch.options.items() if k != "mapping"}
        ImportBatch.objects.filter(pk=batch.pk).update(options=options)
        batch.options = options


def mapping_editor(batch: ImportBatch, data=None, user=None):
    """The mapping page's table for the batch's form version (None when the batch names no
    known form version): the saved mapping, else a proposal."""
    from .mapping_editor import MappingEditor

    version = form_version_of(batch)
    if version is None:
        return None
    mapping, saved, left_out = current_mapping(version, user)
    editor = MappingEditor(version, mapping, data)
    editor.saved = saved
    editor.left_out = left_out
    return editor
