"""Imports: one batch per file or pull, and the submissions already written (idempotency).

Submissions hold identities: the uploaded file (`payload`) and the row-level errors are
encrypted at rest like every other identity, and the payload is emptied once the batch
is applied, cancelled or failed (nothing of a survivor's interview stays in an upload).
"""

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passerelle.core.fields import EncryptedTextField, reveal
from passerelle.core.models import BaseModel


class ImportBatch(BaseModel):
    class Source(models.TextChoices):
        XLSFORM = "xlsform", _("XLSForm submissions (KoboToolbox / ODK export)")
        KOBO = "kobo", _("Pulled from KoboToolbox")
        ODK = "odk", _("Pulled from ODK Central")
        SPREADSHEET = "spreadsheet", _("Spreadsheet (CSV / XLSX)")
        DEMO = "demo", _("Demonstration data")
        API = "api", _("REST API")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Uploaded, not checked yet")
        VALIDATED = "validated", _("Checked, ready to apply")
        QUEUED = "queued", _("Waiting to be applied")
        RUNNING = "running", _("Being applied")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed, nothing applied")
        CANCELLED = "cancelled", _("Cancelled, nothing applied")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    # What the submissions' keys are unique within, informational (form id, asset uid...).
    source_key = models.CharField(_("form or source"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # The uploaded file, base64, encrypted; emptied when the batch ends.
    payload = EncryptedTextField(_("file"))
    # Non-personal options: chosen sheet, encoding, separator, mapping id, form version...
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    to_create = models.PositiveIntegerField(_("new"), default=0)
    to_update = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # Row-level errors, JSON [{row, column, code, message params}], encrypted (a message may
    # quote a cell). Read and written with `errors` / `set_errors`.
    errors_sealed = EncryptedTextField(_("errors"))
    result = models.JSONField(default=dict, blank=True)  # counts written, no personal data
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def errors(self) -> list[dict]:
        text = reveal(self.errors_sealed)
        return json.loads(text) if text else []

    def set_errors(self, errors: list[dict]) -> None:
        self.errors_sealed = json.dumps(errors, default=str) if errors else None
        self.error_count = len(errors)


class ImportedSubmission(models.Model):
    """A submission (or spreadsheet row) already written: its key, the incident it became,
    the version written. Re-importing the same key changes nothing unless the version is
    newer (an edited submission), which updates the records it became."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=200)  # _uuid / meta/instanceID / a row's own id
    source_key = models.CharField(max_length=200, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="imported_as"
    )
    version = models.DateTimeField(null=True, blank=True)  # _submission_time of what was written
    # A keyed digest (HMAC, never a plain hash of identities) of the content written, so that an
    # unchanged re-import is recognised without decrypting anything.
    digest = models.CharField(max_length=64, blank=True)
    persons = models.JSONField(default=list, blank=True)  # person pks, in the submission's order
    # The key of the edit that replaced this one (meta/deprecatedID), if any.
    replaced_by = models.CharField(max_length=200, blank=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="unique_imported_submission"
            )
        ]

    def __str__(self):
        return self.key
