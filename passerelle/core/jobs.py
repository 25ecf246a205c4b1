"""Scheduled and background jobs: what runs, when, and the record of every run.

A job is a plain function that returns counts (`{"expired": 3}`), written in the app that
owns it and declared in that app's `tasks.py` with `@scheduled(...)`, which registers its
schedule here and wraps it as a django-tasks task. Jobs go through the database queue
(django_tasks_db, settings.TASKS) and are run by `manage.py run_jobs`: a worker and a
scheduler in one process, no extra server (docs/operations.md "Scheduled jobs").

- **Schedule** — every job has a `JobSchedule` row with its next due time. `tick()` enqueues
  the jobs that are due, each by a conditional UPDATE of its row (the due time it read must
  still be there), in the same transaction as the enqueue: two schedulers running at once
  enqueue a due job once.
- **Record** — every attempt is a `JobRun` (started, finished, status, attempt, counts, an
  error *summary*). The task itself never fails in the queue's eyes: the failure is caught
  and recorded here, so no traceback — which may quote record content or personal data — is
  stored by the queue.
- **Retry** — a failed attempt is enqueued again after `settings.PASSERELLE_JOB_RETRY_DELAYS`
  (bounded back-off); after the last one the run is `failed`, the administrators (holders of
  `admin.access`) are notified through `core.notify` (site and e-mail outbox) and an audit
  event is written: a failure is never silently lost.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from . import audit
from .errors import DomainError
from .models import JobRun, JobSchedule

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Every:
    """Every `interval`, counted from the last time the job was enqueued."""

    interval: dt.timedelta

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        return moment + self.interval

    def describe(self) -> dict:
        return {"kind": "every", "minutes": int(self.interval.total_seconds() // 60)}


@dataclass(frozen=True)
class DailyAt:
    """Once a day at `time` (UTC). A machine that was off at that time runs the job once
    when it starts again, then returns to the declared time."""

    time: dt.time

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        moment = moment.astimezone(dt.UTC)
        candidate = dt.datetime.combine(moment.date(), self.time, tzinfo=dt.UTC)
        return candidate if candidate > moment else candidate + dt.timedelta(days=1)

    def describe(self) -> dict:
        return {"kind": "daily", "time": self.time.strftime("%H:%M")}


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    schedule: Every | DailyAt | None
    func: Callable[[], object]
    task: object  # the django-tasks Task that runs it through the queue
    count_labels: dict = field(default_factory=dict)  # count key -> words on the page


_JOBS: dict[str, Job] = {}
_discovered = False


def registry() -> dict[str, Job]:
    """Every declared job, by name (the apps' `tasks.py` modules are imported once)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return dict(sorted(_JOBS.items()))


def get(name: str) -> Job:
    try:
        return registry()[name]
    except KeyError:
        raise DomainError(f"Unknown job {name!r}.", code="unknown_job") from None


def scheduled(name: str, *, label, every: dt.timedelta | None = None, daily_at=None, counts=None):
    """Declare `func` as job `name`: registered with its schedule (`every` an interval,
    `daily_at` a UTC time, neither: on demand only) and returned as a django-tasks task
    (`.enqueue()`), whose runs are recorded, retried and reported. `counts` names the
    numbers it returns, for the page ({"skipped": _("backups skipped")}), where
    COUNT_LABELS does not."""
    from django_tasks import task

    if every is not None and daily_at is not None:
        raise ValueError("A job runs either every interval or daily at a time, not both.")
    schedule = Every(every) if every is not None else DailyAt(daily_at) if daily_at else None

    def decorator(func):
        @functools.wraps(func)
        def run(*, attempt: int = 1, trigger: str = JobRun.Trigger.SCHEDULE, **kwargs) -> dict:
            return execute(name, attempt=attempt, trigger=trigger, kwargs=kwargs)

        wrapped = task(run)
        if name in _JOBS and _JOBS[name].func is not func:
            raise ValueError(f"Job {name!r} is declared twice.")
        _JOBS[name] = Job(
            name=name,
            label=label,
            schedule=schedule,
            func=func,
            task=wrapped,
            count_labels=dict(counts or {}),
        )
        return wrapped

    return decorator


# --------------------------------------------------------------------------- running


def retry_delays() -> tuple[int, ...]:
    return tuple(getattr(settings, "PASSERELLE_JOB_RETRY_DELAYS", (60, 600)))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def _counts(result) -> dict:
    """What a job returned, as a small dict of numbers (never text from records)."""
    if result is None:
        return {}
    if isinstance(result, bool):
        return {"count": int(result)}
    if isinstance(result, int):
        return {"count": result}
    if isinstance(result, dict):
        return {str(k)[:40]: v for k, v in result.items() if isinstance(v, int | float)}
    return {}


_QUOTED = re.compile(r"""(['"«“]).*?(['"»”])|\(.*?\)|\[.*?\]|\{.*?\}""")
_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d\-/.:]{2,}")


def _scrub(text: str) -> str:
    text = text.split("DETAIL")[0].strip().splitlines()[0] if text.strip() else ""
    text = _QUOTED.sub("…", text)
    text = _EMAIL.sub("…", text)
    text = _NUMBER.sub("…", text)
    return text[:120]


def error_summary(exc: BaseException) -> str:
    """The exception class and, only for messages known to hold no record content, a short
    scrubbed message. An exception text may quote a row's values (an integrity error's
    DETAIL line, a validation error repeating what was typed), a recipient's address (an SMTP
    refusal) or a name built into a message: so the message of any other exception is
    withheld, and what is kept loses quoted, bracketed, numeric and address-like parts."""
    name = type(exc).__name__
    message = ""
    if isinstance(exc, DomainError):
        message = str(exc)  # the project's own messages: translatable, no personal data
    elif isinstance(exc, OSError):
        message = exc.strerror or ""  # "Connection refused", never the arguments
    elif isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
        message = str(exc)  # "database is locked"; values are scrubbed below
    message = _scrub(message) if message else ""
    return f"{name}: {message}"[:200] if message else name[:200]


_held_mail = contextvars.ContextVar("passerelle_job_mail", default=None)


def hold_mail(ids) -> bool:
    """Inside a job, the mail its notifications queue is sent by one `send_outbox` task when
    the job ends (not one task per notification); False outside a job."""
    held = _held_mail.get()
    if held is None:
        return False
    held.extend(ids)
    return True


def _send_held(name: str, held: list) -> None:
    if held and name != "send_outbox":
        try:
            enqueue_now("send_outbox", trigger=JobRun.Trigger.EVENT, ids=held)
        except Exception:  # noqa: BLE001 - the mail waits for the scheduled send_outbox
            logger.warning("Mail of job %s left for the scheduled send_outbox run", name)


def execute(name: str, *, attempt: int = 1, trigger: str = "schedule", kwargs=None) -> dict:
    """Run one attempt of a job now, in this process, and record it (the queue's task body)."""
    job = get(name)
    run = JobRun.objects.create(
        job=name, trigger=trigger, attempt=attempt, started_at=timezone.now()
    )
    held = []
    token = _held_mail.set(held)
    try:
        result = job.func(**(kwargs or {}))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, retried, reported
        return _failed(job, run, exc, kwargs or {})
    finally:
        _held_mail.reset(token)
        _send_held(name, held)
    run.status = JobRun.Status.SUCCEEDED
    run.counts = _counts(result)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "finished_at"])
    return {"status": run.status, "attempt": attempt, **run.counts}


def _failed(job: Job, run: JobRun, exc: Exception, kwargs: dict) -> dict:
    summary = error_summary(exc)
    run.error = summary
    run.finished_at = timezone.now()
    delays = retry_delays()
    logger.warning(
        "Job %s failed (attempt %s of %s): %s", job.name, run.attempt, len(delays) + 1, summary
    )
    if run.attempt <= len(delays):
        run.status = JobRun.Status.RETRYING
        run.save(update_fields=["status", "error", "finished_at"])
        delay = dt.timedelta(seconds=delays[run.attempt - 1])
        job.task.using(run_after=timezone.now() + delay).enqueue(
            attempt=run.attempt + 1, trigger=run.trigger, **kwargs
        )
    else:
        run.status = JobRun.Status.FAILED
        run.save(update_fields=["status", "error", "finished_at"])
        report_failure(job, run)
    return {"status": run.status, "attempt": run.attempt, "error": summary}


def administrators() -> list:
    """The active users who hold `admin.access` (the system administrators)."""
    from django.apps import apps

    from passerelle import policy

    organisations = list(
        apps.get_model("accounts", "Organisation").objects.values_list("pk", flat=True)
    )
    return policy.holders(organisations, "admin.access") if organisations else []


def report_failure(job: Job, run: JobRun) -> None:
    """A job that failed for good: tell the administrators (notification and e-mail through
    the outbox) and write it into the audit log. Never raises: the run stays recorded."""
    from django.urls import reverse

    from . import notify

    try:
        with transaction.atomic():
            audit.record(
                None,
                "job.failed",
                run,
                organisation=None,  # system-wide: no organisation's own log
                outcome="error",
                detail={"job": job.name, "attempts": run.attempt, "error": run.error},
            )
            notify.notify(
                administrators(),
                "job.failed",
                {"job": job.name, "on": run.finished_at.date().isoformat()},
                url=reverse("core:jobs"),
            )
    except Exception:  # noqa: BLE001 - the failed run itself stays recorded and shown
        logger.exception("Could not report the failure of job %s", job.name)


# --------------------------------------------------------------------------- scheduling


def _row(job: Job, now) -> JobSchedule:
    row = JobSchedule.objects.filter(job=job.name).first()
    if row is None:
        try:
            with transaction.atomic():
                row = JobSchedule.objects.create(job=job.name, next_due_at=now)
        except IntegrityError:  # another scheduler created it meanwhile
            row = JobSchedule.objects.get(job=job.name)
    return row


def claim(job: Job, row: JobSchedule, now) -> bool:
    """Enqueue `job` if its row still says it is due at the time read (`row.next_due_at`):
    the UPDATE and the enqueue commit together, and of two schedulers that read the same row
    only the first UPDATE matches it."""
    if row.next_due_at > now:
        return False
    with transaction.atomic():
        won = JobSchedule.objects.filter(pk=row.pk, next_due_at=row.next_due_at).update(
            next_due_at=job.schedule.next_after(now), last_enqueued_at=now
        )
        if won:
            job.task.enqueue(trigger=JobRun.Trigger.SCHEDULE)
    return bool(won)


class WorkerLost(Exception):
    """The worker stopped (killed, power cut) while it ran the job."""


STALE = dt.timedelta(hours=1)  # far longer than any job takes


def recover_interrupted(now=None) -> int:
    """Runs still `running` an hour after they started were cut off with their worker: each
    is counted as a failed attempt (retried, or reported after the last), once even with two
    schedulers (the run is claimed by a conditional UPDATE); the queue's task is closed."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    recovered = 0
    for run in JobRun.objects.filter(status=JobRun.Status.RUNNING, started_at__lt=now - STALE):
        taken = JobRun.objects.filter(pk=run.pk, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.FAILED, finished_at=now
        )
        job = _JOBS.get(run.job) or registry().get(run.job)
        if taken and job is not None:
            _failed(job, run, WorkerLost(), {})
            recovered += 1
    DBTaskResult.objects.filter(status="RUNNING", started_at__lt=now - STALE).update(
        status="FAILED",
        finished_at=now,
        exception_class_path=f"{__name__}.WorkerLost",
        traceback="",
    )
    return recovered


def tick(now=None) -> list[str]:
    """Enqueue every scheduled job that is due (and retry runs cut off with their worker);
    returns the names enqueued by this call."""
    now = now or timezone.now()
    recover_interrupted(now)
    enqueued = []
    for job in registry().values():
        if job.schedule is None:
            continue
        if claim(job, _row(job, now), now):
            enqueued.append(job.name)
    return enqueued


def enqueue_now(name: str, *, trigger: str = JobRun.Trigger.MANUAL, **kwargs):
    """Put one run of a job in the queue now (run-now button, mail after a commit)."""
    return get(name).task.enqueue(trigger=trigger, **kwargs)


# --------------------------------------------------------------------------- the worker


def make_worker(*, worker_id: str = ""):
    """django_tasks_db's worker: `work()` uses its `run_task` (signals, result recorded)."""
    from django.utils.crypto import get_random_string
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )


def work(worker=None, *, max_tasks: int | None = None) -> int:
    """Run the ready tasks of the queue in this process, one by one, until none is left (or
    `max_tasks`, or the worker is asked to stop); returns how many ran. Each task is claimed
    as django_tasks_db's `db_worker` claims it (row locked, then marked running with this
    worker's id), so several workers never run the same task. Unlike `db_worker`'s loop it
    does not recycle the database connection, so it runs inside a test's transaction too
    (`run_jobs` recycles it between rounds)."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = worker or make_worker()
    ran = 0
    while worker.running and (max_tasks is None or ran < max_tasks):
        ready = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
        with exclusive_transaction(ready.db):
            task_result = ready.get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            break
        worker.run_task(task_result)
        ran += 1
    return ran


def run_once(now=None) -> dict:
    """What `run_jobs --once` does: enqueue what is due, run the queue to empty."""
    enqueued = tick(now)
    return {"enqueued": enqueued, "ran": work()}


# What a job's counts are called on the page (a count without a label shows its key).
COUNT_LABELS = {
    "expired": _("protocols expired"),
    "reminded": _("referrals reminded"),
    "due": _("requests due soon"),
    "overdue": _("requests overdue"),
    "action_points": _("action points overdue"),
    "risk_reviews": _("risk reviews due"),
    "sent": _("e-mails sent"),
    "failed": _("e-mails failed"),
    "cancelled": _("e-mails cancelled"),
    "runs": _("runs forgotten"),
    "queue": _("queue rows removed"),
}


def status_rows(now=None) -> list[dict]:
    """One row per job for the administrators' page: schedule, last run, next due, recent
    failures."""
    now = now or timezone.now()
    rows = []
    schedules = {s.job: s for s in JobSchedule.objects.all()}
    for job in registry().values():
        runs = list(JobRun.objects.filter(job=job.name).order_by("-started_at", "-id")[:20])
        last = runs[0] if runs else None
        failures = [r for r in runs if r.status != JobRun.Status.SUCCEEDED and r.error][:5]
        row = schedules.get(job.name)
        rows.append(
            {
                "name": job.name,
                "label": job.label,
                "schedule": job.schedule.describe() if job.schedule else None,
                "last": last,
                "counts": [
                    (job.count_labels.get(k) or COUNT_LABELS.get(k, k), v)
                    for k, v in (last.counts if last else {}).items()
                ],
                "last_success": next(
                    (r for r in runs if r.status == JobRun.Status.SUCCEEDED), None
                ),
                "next_due": row.next_due_at if row else (now if job.schedule else None),
                "failures": failures,
            }
        )
    return rows


class JobLabel:
    """`notify.LABELS["job"]`: a notification names a job by its code and is shown with the
    job's label in the reader's language."""

    def __init__(self, value):
        job = _JOBS.get(value) or registry().get(value)
        if job is None:
            raise ValueError(value)
        self.label = job.label


# --------------------------------------------------------------------------- run now


@audit.service
def run_now(actor, *, name: str):
    """Queue one run of job `name` now (the "Run now" button): refused (and the refusal
    audited) to whoever may not `jobs.run`; the request is audited."""
    from passerelle import policy

    job = get(name)
    policy.require(actor, "jobs.run")
    result = job.task.enqueue(trigger=JobRun.Trigger.MANUAL)
    audit.record(
        actor,
        "job.run_now",
        organisation=audit.home_organisation(actor),
        detail={"job": job.name},
    )
    return result


def queue_state(now=None) -> dict:
    """How many tasks wait in the queue and since when (a worker that is not running shows
    as tasks waiting for minutes)."""
    from django.db.models import Min
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    figures = ready.aggregate(oldest=Min("enqueued_at"))
    waiting = ready.count()
    oldest = figures["oldest"]
    return {
        "waiting": waiting,
        "oldest": oldest,
        "stalled": bool(oldest and now - oldest > dt.timedelta(minutes=5)),
    }
