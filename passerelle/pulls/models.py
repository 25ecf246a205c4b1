"""Connections to the servers the field collects on: KoboToolbox and ODK Central.

A connection says where to pull from (server, asset or project/form), with which credentials
(encrypted at rest, never shown back, never logged, never in the audit log), into which
organisation, through which form mapping, and how often. Each pull goes through the one
import path (passerelle.imports.pipeline): all new pages are fetched first, then validated
and applied in one transaction; the cursor moves only after a successful apply.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passerelle.core.fields import EncryptedTextField, reveal
from passerelle.core.models import BaseModel


class ServerConnection(BaseModel):
    class Kind(models.TextChoices):
        KOBO = "kobo", _("KoboToolbox")
        ODK = "odk_central", _("ODK Central")

    class Auth(models.TextChoices):
        TOKEN = "token", _("API token")
        PASSWORD = "password", _("E-mail and password (ODK Central web user)")

    class Status(models.TextChoices):
        NEVER = "never", _("Never pulled")
        RUNNING = "running", _("Pulling")
        OK = "ok", _("Pulled")
        FAILED = "failed", _("Failed, nothing applied")

    class Interval(models.IntegerChoices):
        QUARTER = 15, _("Every 15 minutes")
        HOUR = 60, _("Every hour")
        SIX_HOURS = 360, _("Every 6 hours")
        DAY = 1440, _("Every day")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="server_connections",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("server"), max_length=16, choices=Kind.choices)
    base_url = models.URLField(_("server address"), max_length=300)
    auth = models.CharField(
        _("authentication"), max_length=12, choices=Auth.choices, default=Auth.TOKEN
    )
    # JSON {"token": …} or {"email": …, "password": …}, encrypted; read by `credentials()` only.
    credentials_sealed = EncryptedTextField(_("credentials"))
    asset_uid = models.CharField(_("KoboToolbox asset uid"), max_length=64, blank=True)
    project_id = models.PositiveIntegerField(_("ODK Central project id"), null=True, blank=True)
    form_id = models.CharField(_("ODK Central form id"), max_length=200, blank=True)
    # The XLSForm version the field collects with; its saved mapping (xlsforms.FormMapping)
    # turns each submission into an incident.
    form_version = models.ForeignKey(
        "xlsforms.FormVersion",
        verbose_name=_("form version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="server_connections",
    )
    enabled = models.BooleanField(_("pull on a schedule"), default=False)
    interval_minutes = models.PositiveIntegerField(
        _("how often"), choices=Interval.choices, default=Interval.HOUR
    )
    # The newest submission time applied (ISO 8601, as the server wrote it) and its id.
    cursor = models.CharField(_("last submission pulled"), max_length=64, blank=True)
    cursor_id = models.CharField(max_length=64, blank=True)
    next_pull_at = models.DateTimeField(_("next pull"), null=True, blank=True)
    pulling_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_status = models.CharField(
        _("last result"), max_length=12, choices=Status.choices, default=Status.NEVER
    )
    last_pulled_at = models.DateTimeField(_("last pulled"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    # A code from passerelle.pulls.errors.MESSAGES and its non-personal parameters (HTTP status).
    last_error = models.CharField(max_length=40, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    last_batch = models.ForeignKey(
        "imports.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("server connection")
        verbose_name_plural = _("server connections")

    def __str__(self):
        return self.name

    def credentials(self) -> dict:
        """The decrypted credentials, for the client only (never rendered, never logged)."""
        text = reveal(self.credentials_sealed)
        return json.loads(text) if text else {}

    def set_credentials(self, values: dict) -> None:
        self.credentials_sealed = json.dumps(values) if values else None

    @property
    def has_credentials(self) -> bool:
        return self.credentials_sealed is not None

    @property
    def source_key(self) -> str:
        """What the submissions' keys are unique within: the asset, or the project's form."""
        if self.kind == self.Kind.KOBO:
            return f"kobo:{self.asset_uid}"
        return f"odk:{self.project_id}:{self.form_id}"

    @property
    def last_error_message(self) -> str:
        from .errors import message_for

        return message_for(self.last_error, self.last_error_params) if self.last_error else ""
