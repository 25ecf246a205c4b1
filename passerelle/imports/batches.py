"""The import pages' writes on a batch: its upload and the outcome of its check.

Services in the house style (actor first, keyword-only, atomic, audited). The batch's file is
kept encrypted in `ImportBatch.payload` (base64 of the bytes): it is never written to disk in
clear, and the pipeline empties it when the batch ends. Audit details carry counts and codes,
never a file name's or a cell's content.
"""

from __future__ import annotations

import base64

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.core.fields import reveal

from .models import ImportBatch

OPEN = (ImportBatch.Status.DRAFT, ImportBatch.Status.VALIDATED)


def file_bytes(batch: ImportBatch) -> bytes:
    """The uploaded file, decrypted ("" once the batch has ended)."""
    text = reveal(batch.payload)
    return base64.b64decode(text) if text else b""


@transaction.atomic
def create_batch(
    actor,
    *,
    organisation,
    filename: str,
    content: bytes,
    source: str = ImportBatch.Source.XLSFORM,
    source_key: str = "",
    options: dict | None = None,
) -> ImportBatch:
    """Keep an uploaded export, encrypted, as a draft batch of `organisation`."""
    policy.require(actor, "import.run", organisation)
    batch = ImportBatch(
        organisation=organisation,
        created_by=actor,
        source=source,
        source_key=source_key[:200],
        filename=filename[-255:],
        payload=base64.b64encode(content).decode("ascii"),
        options=options or {},
    )
    batch.save()
    audit.record(
        actor,
        "import.upload",
        batch,
        organisation=organisation,
        detail={"source": source, "bytes": len(content)},
    )
    return batch


@transaction.atomic
def change_options(actor, *, batch: ImportBatch, **options) -> ImportBatch:
    """Change a batch's non-personal options (its form version, its mapping): its check is
    then to be done again."""
    policy.require(actor, "import.run", batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in OPEN:
        raise DomainError(_("This import has already been applied or stopped."))
    batch.options = {**batch.options, **options}
    batch.status = ImportBatch.Status.DRAFT
    batch.save(update_fields=["options", "status", "updated_at"])
    return batch


@transaction.atomic
def record_check(actor, *, batch: ImportBatch, plan) -> ImportBatch:
    """Keep what `pipeline.prepare` found: the counts and every row-level error (encrypted);
    a batch without error is ready to apply."""
    policy.require(actor, "import.run", batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in OPEN:
        raise DomainError(_("This import has already been applied or stopped."))
    plan.record_on(batch)  # counts and every error (encrypted)
    batch.status = ImportBatch.Status.DRAFT if plan.errors else ImportBatch.Status.VALIDATED
    batch.save()
    audit.record(
        actor,
        "import.check",
        batch,
        organisation=batch.organisation,
        detail={
            "rows": batch.total_rows,
            "new": batch.to_create,
            "updated": batch.to_update,
            "unchanged": batch.unchanged,
            "errors": batch.error_count,
        },
    )
    return batch
