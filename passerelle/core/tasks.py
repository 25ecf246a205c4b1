"""The core's jobs (core.jobs; run by `manage.py run_jobs`): the mail outbox, and keeping
the record of runs and the queue's table small."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import notify
from .jobs import scheduled
from .models import JobRun

KEEP_RUNS = dt.timedelta(days=90)
KEEP_FAILED_RUNS = dt.timedelta(days=365)
KEEP_QUEUE_RESULTS = dt.timedelta(days=7)


@scheduled(
    "send_outbox", label=_("Send the e-mail waiting in the outbox"), every=dt.timedelta(minutes=1)
)
def send_outbox(ids: list | None = None) -> dict:
    """Every minute, what is due; right after a commit, the mail that commit queued (ids)."""
    return notify.send_outbox(ids=ids)


@scheduled("prune_job_records", label=_("Prune old job records"), daily_at=dt.time(2, 0))
def prune_job_records() -> dict:
    """Forget successful runs after 90 days, failed ones after a year, and the queue's
    finished tasks after a week (the runs are the record)."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    runs = JobRun.objects.filter(
        status=JobRun.Status.SUCCEEDED, started_at__lt=now - KEEP_RUNS
    ).delete()[0]
    failed = JobRun.objects.filter(started_at__lt=now - KEEP_FAILED_RUNS).delete()[0]
    queue = (
        DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_QUEUE_RESULTS).delete()[0]
    )
    return {"runs": runs + failed, "queue": queue}


@scheduled(
    "backup",
    label=_("Back up the database and its keys"),
    daily_at=dt.time(2, 30),
    counts={
        "skipped": _("backups not made (no backup directory set)"),
        "rows": _("rows backed up"),
        "bytes": _("bytes written"),
    },
)
def daily_backup() -> dict:
    """One encrypted backup a day into settings.PASSERELLE_BACKUP_DIR, the newest
    PASSERELLE_BACKUP_KEEP kept (docs/backups.md); off while no directory is set. A directory
    without a passphrase or key fails the job, so the administrators are told."""
    from django.conf import settings

    from . import backup

    if not settings.PASSERELLE_BACKUP_DIR:
        return {"skipped": 1}
    secret = backup.secret_from_environment()
    if secret is None:
        raise backup.BackupError(
            "PASSERELLE_BACKUP_DIR is set but no PASSERELLE_BACKUP_PASSPHRASE, "
            "PASSERELLE_BACKUP_PASSPHRASE_FILE or PASSERELLE_BACKUP_KEY_FILE."
        )
    info = backup.backup_to_directory(
        settings.PASSERELLE_BACKUP_DIR, secret, keep=settings.PASSERELLE_BACKUP_KEEP
    )
    return {"rows": info.rows, "bytes": info.size}


@scheduled(
    "purge_held_forms",
    label=_("Delete the forms kept across an idle timeout once expired"),
    every=dt.timedelta(minutes=15),
    counts={"deleted": _("expired kept forms deleted")},
)
def purge_held_forms() -> dict:
    """Forms kept after an idle timeout live two hours (core/held.py); delete the expired."""
    from . import held

    return {"deleted": held.purge_expired()}
