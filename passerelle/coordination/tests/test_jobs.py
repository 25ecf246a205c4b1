"""The `remind_action_points` job, run by the scheduler through the job queue's worker."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from passerelle.core.models import JobRun, Notification

from ..models import ActionPoint
from .test_meetings import DAY, action_point, chair, cluster, drc_fp, today  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_scheduled_job_reminds_the_owner_of_an_overdue_action_point(
    action_point,  # noqa: F811
    drc_fp,  # noqa: F811
):
    ActionPoint.objects.filter(pk=action_point.pk).update(due_on=today() - 2 * DAY)
    call_command("run_jobs", "--once", stdout=io.StringIO())
    assert Notification.objects.filter(recipient=drc_fp).exists()
    run = JobRun.objects.get(job="remind_action_points")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.counts == {"action_points": 1, "risk_reviews": 0}
