"""The pipeline's reader for source "xlsform": a stored batch's export → `IncidentIn` rows.

`batch.options` (non-personal) says how to read the file:

- "form_version": the FormVersion's public id (or pk) the export was collected with, in the
  batch's organisation; its saved FormMapping is applied, unless
- "mapping": a mapping given with the batch (the format of `FormMapping.mapping`);
- "format" ("csv", "xlsx", "json", "zip"), "encoding", "delimiter": only to override what is
  detected.

A file refused whole (too large, unreadable, not matching the form version) gives one
RowError on row 0 naming no column, and no rows.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _

from passerelle.imports.rows import IncidentIn, RowError

from .incidents import to_incidents
from .reading import ReadResult, SubmissionsRefused, check_size, read_submissions

NO_FORM = _("The form version this import was read with is not known any more: upload it again.")


def form_version_of(batch):
    """The batch's FormVersion (in the batch's organisation), or None."""
    from passerelle.xlsforms.models import FormVersion

    ref = (batch.options or {}).get("form_version")
    if ref in (None, ""):
        return None
    versions = FormVersion.objects.filter(organisation=batch.organisation)
    try:
        if isinstance(ref, int) or str(ref).isdigit():
            return versions.filter(pk=int(ref)).first()
        return versions.filter(public_id=uuid.UUID(str(ref))).first()
    except (ValueError, TypeError):
        return None


def read_file(batch, version=None) -> ReadResult:
    """The submissions of the batch's file, read against its form version;
    SubmissionsRefused for a file refused whole."""
    from passerelle.imports.batches import file_bytes

    options = batch.options or {}
    version = version or form_version_of(batch)
    data = file_bytes(batch)
    check_size(len(data))
    return read_submissions(
        data,
        version.form() if version is not None else None,
        format=options.get("format") or None,
        encoding=options.get("encoding") or None,
        delimiter=options.get("delimiter") or None,
    )


def mapping_of(batch, version) -> dict:
    options = batch.options or {}
    if isinstance(options.get("mapping"), dict):
        return options["mapping"]
    saved = getattr(version, "mapping", None) if version is not None else None
    return dict(saved.mapping) if saved is not None else {}


def read_batch(batch) -> tuple[list[IncidentIn], list[RowError]]:
    """The reader registered with the pipeline for source "xlsform"."""
    version = form_version_of(batch)
    if version is None:
        return [], [RowError(row=0, column="", message=NO_FORM, code="form_version")]
    try:
        result = read_file(batch, version)
    except SubmissionsRefused as exc:
        return [], [exc.as_row_error()]
    rows, errors = to_incidents(version.form(), mapping_of(batch, version), result)
    return rows, result.errors + errors


def register() -> None:
    from passerelle.imports import pipeline

    pipeline.register_reader("xlsform", read_batch)
