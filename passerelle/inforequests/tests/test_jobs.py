"""The `remind_requests` job, run by the scheduler through the job queue's worker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from passerelle.core.guard import unscoped
from passerelle.core.models import JobRun, Notification

from ..models import Request

pytestmark = pytest.mark.django_db


def test_the_scheduled_job_reminds_requests_due_and_overdue(world, ask):
    today = timezone.localdate()
    ask(due_on=today + dt.timedelta(days=1))
    late = ask(subject="Retours")
    with unscoped():
        Request.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=2))
    call_command("run_jobs", "--once", stdout=io.StringIO())
    kinds = set(Notification.objects.filter(recipient=world["fp"]).values_list("kind", flat=True))
    assert {"request.due", "request.overdue"} <= kinds
    run = JobRun.objects.get(job="remind_requests")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"due": 1, "overdue": 1}
