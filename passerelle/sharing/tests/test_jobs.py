"""The `expire_protocols` job, run by the scheduler through the job queue's worker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from passerelle.core.models import JobRun, Notification
from passerelle.sharing.models import Protocol

from .test_sharing import hrd, protocol, share, sharer, summary  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_the_scheduled_job_expires_protocols_and_tells_the_recipients(
    summary,  # noqa: F811
    protocol,  # noqa: F811
    hrd,  # noqa: F811
    sharer,  # noqa: F811
    client_as,
):
    share(sharer, summary, protocol, hrd)
    reader = client_as("viewer", hrd)
    protocol.valid_until = timezone.localdate() - dt.timedelta(days=1)
    protocol.save()
    call_command("run_jobs", "--once", stdout=io.StringIO())
    protocol.refresh_from_db()
    assert protocol.status == Protocol.Status.EXPIRED
    assert Notification.objects.filter(recipient=reader.user, kind="protocol.expired").exists()
    run = JobRun.objects.get(job="expire_protocols")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"expired": 1}
    detail = reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    assert reader.get(detail).status_code == 404
