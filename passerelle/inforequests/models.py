"""The register of requests for information or action between organisations (typically the
mission asking the cluster), routed to the addressee's focal point and followed up until
answered.

A request is read through `passerelle.policy.inforequests` only (`Request.objects` refuses
unscoped queries): by the asking and the addressed organisations, and, without the answer
unless it is an aggregate, by the asker's sister components (so that one component sees what
another already asked).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from passerelle.core.fields import EncryptedTextField
from passerelle.core.guard import GuardedQuerySet
from passerelle.core.models import BaseModel
from passerelle.incidents.models import DataCategory
from passerelle.policy.purposes import Purpose

LEVELS = [
    (0, _("0 – public")),
    (1, _("1 – aggregate")),
    (2, _("2 – restricted (de-identified incidents)")),
    (3, _("3 – confidential (case details)")),
    (4, _("4 – strictly confidential (identities)")),
]


class DeclineReason(models.TextChoices):
    NOT_HELD = "not_held", _("We do not hold this information")
    NOT_MANDATE = "not_mandate", _("Outside our mandate")
    PROTOCOL = "protocol", _("Not allowed by the information-sharing protocol")
    DO_NO_HARM = "do_no_harm", _("Sharing it could put people at risk")
    CAPACITY = "capacity", _("No capacity to collect it in time")
    DUPLICATE = "duplicate", _("Already answered (see the earlier request)")
    OTHER = "other", _("Other")


class RequestQuerySet(GuardedQuerySet):
    OPEN = ("open", "acknowledged")

    def pending(self):
        return self.filter(status__in=self.OPEN)

    def overdue(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.pending().filter(due_on__lt=on)


class Request(BaseModel):
    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        ACTION = "action", _("Action")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("request status", "Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ANSWERED = "answered", pgettext_lazy("request status", "Answered")
        DECLINED = "declined", pgettext_lazy("request status", "Declined")
        CLOSED = "closed", pgettext_lazy("request status", "Closed")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.INFORMATION
    )
    asker = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("asking organisation"),
        on_delete=models.PROTECT,
        related_name="requests_made",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    addressee = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="requests_received",
    )
    focal_point = models.ForeignKey(
        "directory.FocalPoint",
        verbose_name=_("routed to focal point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
    )
    thematic_area = models.ForeignKey(
        "directory.ThematicArea",
        verbose_name=_("thematic area"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    data_category = models.CharField(
        _("data category"), max_length=10, choices=DataCategory.choices, blank=True
    )
    level = models.PositiveSmallIntegerField(
        _("level asked"), choices=LEVELS, default=1, validators=[MaxValueValidator(4)]
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    area = models.ForeignKey(
        "geography.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    # The subject stays in clear (lists, notifications by reference, duplicate suggestions);
    # what is asked and the answer are sealed, opened by `policy.inforequests.request_texts`.
    subject = models.CharField(_("subject"), max_length=200)
    body = EncryptedTextField(_("what is asked, and why"))
    due_on = models.DateField(_("answer needed by"))
    protocol = models.ForeignKey(
        "sharing.Protocol",
        verbose_name=_("protocol relied on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = EncryptedTextField(_("answer"))
    answer_level = models.PositiveSmallIntegerField(
        _("level of the answer"), choices=LEVELS, null=True, blank=True
    )
    answer_link = models.CharField(
        _("link to shared statistics"),
        max_length=500,
        blank=True,
        help_text=_(
            "A statistics page with its filters; the asker sees it within their own rights."
        ),
    )
    answer_disclosures = models.ManyToManyField(
        "sharing.Disclosure",
        verbose_name=_("records shared in answer"),
        blank=True,
        related_name="+",
    )
    decline_reason = models.CharField(
        _("reason"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.CharField(_("explanation"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("same as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    reminded_on = models.DateField(null=True, blank=True)
    # Normalised, language-independent terms of the subject and body (similarity.terms), kept
    # so that suggesting earlier requests does not re-read every text.
    terms = models.TextField(blank=True, editable=False)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")

    def __str__(self):
        return f"{self.reference} – {self.subject}"

    @property
    def is_pending(self) -> bool:
        return self.status in RequestQuerySet.OPEN

    def is_overdue(self, on: dt.date | None = None) -> bool:
        return self.is_pending and self.due_on < (on or timezone.localdate())

    def days_to_answer(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds() / 86400


class RequestEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Filed")
        ROUTED = "routed", _("Routed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ANSWERED = "answered", pgettext_lazy("request event", "Answered")
        DECLINED = "declined", pgettext_lazy("request event", "Declined")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        DUPLICATE = "duplicate", _("Answered with an earlier answer")
        REMINDED = "reminded", _("Reminder sent")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.request_id} {self.kind}"

    def note_display(self) -> str:
        """The note in the reader's language: routing and decline notes are stored as codes
        (an empty routing note: no focal point), other notes as written."""
        if self.kind == self.Kind.ROUTED and not self.note:
            return _("No focal point: everyone who answers for %(org)s") % {
                "org": self.request.addressee.acronym
            }
        if self.kind == self.Kind.DECLINED and self.note in DeclineReason.values:
            return str(DeclineReason(self.note).label)
        if self.kind == self.Kind.REMINDED:
            return ""
        return self.note


class Reuse(models.Model):
    """A duplicate avoided: instead of filing a request, the asker took an earlier one."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reuses")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"reuse of {self.request_id}"
