"""The `remind_referrals` job, run by the scheduler through the job queue's worker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from passerelle.core.guard import unscoped
from passerelle.core.models import JobRun, Notification

from ..models import Referral
from .test_referrals import consent, refer

pytestmark = pytest.mark.django_db


def test_the_scheduled_job_reminds_both_sides_of_an_overdue_referral(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with unscoped():
        Referral.objects.filter(pk=referral.pk).update(
            follow_up_due=timezone.localdate() - dt.timedelta(days=2)
        )
    call_command("run_jobs", "--once", stdout=io.StringIO())
    told = Notification.objects.filter(kind="referral.overdue")
    assert {n.recipient for n in told} == {world["receiver"], monitor}
    run = JobRun.objects.get(job="remind_referrals")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"reminded": 1}
