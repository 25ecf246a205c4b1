"""Base models, the key canary and the hash-chained audit log."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import EncryptedTextField


class BaseModel(models.Model):
    """Public UUID for URLs; timestamps in UTC."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class KeyCanary(models.Model):
    """A known value encrypted with the key in use, to detect a wrong key at start-up."""

    token = models.TextField()
    key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"key {self.key_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    def delete(self):
        raise RuntimeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One append-only entry of the audit log; `hash` chains it to the previous one.

    Never updated or deleted by the application. `manage.py verify_audit` recomputes
    the chain and reports any changed, removed or reordered event.
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, default="ok")
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")


class AuditHead(models.Model):
    """The last event written (seq and hash): detects removal of the newest events."""

    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    def __str__(self):
        return f"head #{self.seq}"


class Notification(models.Model):
    """A message to one user, rendered in their language when shown (see core.notify)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"


class Counter(models.Model):
    """A named sequence (e.g. "incident:DRC-2026"), incremented atomically by core.sequences.

    References are built from it ("DRC-2026-000123") so that they are unique by construction,
    also under concurrent writers, on SQLite and PostgreSQL.
    """

    name = models.CharField(max_length=120, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self):
        return f"{self.name} = {self.value}"


class OutgoingMail(models.Model):
    """The e-mail of one notification, queued inside the writer's transaction and sent after
    it commits (core.notify.send_outbox; `manage.py send_outbox` retries what failed).

    Holds no text: the message is rendered from the notification, in the recipient's
    language, when it is sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("e-mail status", "Pending")
        SENT = "sent", pgettext_lazy("e-mail status", "Sent")
        FAILED = "failed", pgettext_lazy("e-mail status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("e-mail status", "Cancelled")

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="mail"
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # not before this time: a sender's lease while it sends, then the back-off after a failure
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self):
        return f"mail {self.pk} ({self.status})"


class JobSchedule(models.Model):
    """One row per scheduled job (core.jobs.SCHEDULE): when it is next due.

    The scheduler enqueues a due job by a conditional UPDATE of this row (due time unchanged
    since it was read), so two schedulers running at once enqueue it once."""

    job = models.CharField(max_length=60, unique=True)
    next_due_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job"]
        verbose_name = _("job schedule")
        verbose_name_plural = _("job schedules")

    def __str__(self):
        return f"{self.job} due {self.next_due_at:%Y-%m-%d %H:%M}"


class JobRun(models.Model):
    """One attempt of a scheduled or background job (core.jobs): when, how it ended, what it
    counted. The error is a summary (exception class, a scrubbed short message): never a
    traceback, personal data or record content."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        RETRYING = "retrying", _("Failed, will be retried")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Run now")
        EVENT = "event", _("After a change")

    job = models.CharField(max_length=60, db_index=True)
    trigger = models.CharField(max_length=12, choices=Trigger.choices, default=Trigger.SCHEDULE)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="core_jobrun_job_started")]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self):
        return f"{self.job} #{self.attempt} {self.status}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class HeldSubmission(BaseModel):
    """A form sent after its session had ended for inactivity, kept encrypted for the same
    user to send again to the same address after signing in, for a short time
    (`passerelle/core/held.py`, docs/security.md "Idle timeout without lost work")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    payload = EncryptedTextField()  # JSON: user, path and the fields, bound to this row
    files_dropped = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"held {self.public_id}"
