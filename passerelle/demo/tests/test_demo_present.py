"""The demo lives in the present: its story (2012–2014) is dated so that it ends a few days
before the day it is loaded (demo/clock.py), so every page opens on data, and loading again —
the same day or another day — creates nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.utils import timezone

from passerelle.accounts.models import User
from passerelle.coordination.models import ActionPoint, Meeting, Training
from passerelle.core import backup
from passerelle.core.guard import unscoped
from passerelle.demo import clock, loader
from passerelle.demo.sharing import REFERENCE
from passerelle.directory.models import FocalPoint
from passerelle.incidents.models import Consent, Incident
from passerelle.inforequests.models import Request
from passerelle.referrals import gaps
from passerelle.referrals.models import Need, Referral
from passerelle.sharing import aggregates
from passerelle.sharing.models import Protocol

pytestmark = pytest.mark.django_db

# Enough incidents for referrals and the last months of the story (the small demo has 60).
INCIDENTS = 200


def _every_table() -> dict:
    """The row count of every table (sessions aside), through the backup's list of tables."""
    with unscoped():
        return {
            m._meta.label_lower: models.QuerySet(model=m).count() for m in backup.backed_up_models()
        }


def test_the_demo_opens_on_data_in_the_present_and_loading_again_adds_nothing(monkeypatch):
    loader.load_demo(INCIDENTS)
    today = timezone.localdate()
    _the_story_ends_in_the_last_days_and_nothing_is_dated_in_the_future(today)
    _protocols_are_in_force_today(today)
    _the_default_periods_open_on_data(today)
    _coordination_and_requests_have_work_due_now(today)

    # Loading again, the same day or weeks later, creates nothing: dates are never part of
    # what the loaders match existing rows on.
    before = _every_table()
    loader.load_demo(INCIDENTS)
    assert _every_table() == before
    later = today + dt.timedelta(days=40)
    monkeypatch.setattr(clock, "today", lambda: later)
    loader.load_demo(INCIDENTS)
    assert _every_table() == before


def _the_story_ends_in_the_last_days_and_nothing_is_dated_in_the_future(today):
    with unscoped():
        incidents = Incident.objects.all()
        assert incidents.filter(occurred_on__gte=today - dt.timedelta(days=30)).exists()
        assert not incidents.filter(occurred_on__gt=today).exists()
        assert not incidents.filter(reported_on__gt=today).exists()
        assert not incidents.filter(occurred_on__lt=clock.shift(clock.STORY_START)).exists()
        # three years of story: the last twelve months hold a good share of it
        last_year = incidents.filter(occurred_on__gt=today - dt.timedelta(days=365)).count()
        assert 0.15 * INCIDENTS < last_year < 0.6 * INCIDENTS
        assert not Referral.objects.filter(updated_at__gt=timezone.now()).exists()
        assert not Consent.objects.filter(given_at__gt=timezone.now()).exists()
        assert Need.objects.filter(identified_on__gt=today - dt.timedelta(days=365)).exists()
    assert not Training.objects.filter(starts_on__gt=today).exists()
    assert Training.objects.filter(starts_on__gt=today - dt.timedelta(days=730)).exists()


def _protocols_are_in_force_today(today):
    protocol = Protocol.objects.get(reference=REFERENCE)
    assert protocol.in_force()
    assert protocol.valid_from == clock.shift(dt.date(2013, 8, 1)) < today


def _the_default_periods_open_on_data(today):
    """The response-gap table's default period and the statistics of the last twelve months
    are not all zeros."""
    viewer = User.objects.get(username="unhcr.im_officer")
    start, end = gaps.default_period(viewer)
    assert end > today - dt.timedelta(days=90)
    report = gaps.build(viewer, start=start, end=end)
    assert any(cell.value for cell in report.totals if cell.value is not None)
    result = aggregates.build(
        viewer,
        purpose="analysis",
        rows="area",
        columns="period",
        date_from=today - dt.timedelta(days=365),
        date_to=today,
    )
    assert result.incidents > 0


def _coordination_and_requests_have_work_due_now(today):
    assert Meeting.objects.filter(held_on__gte=today - dt.timedelta(days=30)).exists()
    open_points = ActionPoint.objects.exclude(status="done")
    assert open_points.filter(due_on__lt=today).exists()  # overdue
    assert open_points.filter(due_on__gte=today).exists()  # due soon
    assert FocalPoint.objects.current(today).exists()
    with unscoped():
        recent = timezone.now() - dt.timedelta(days=30)
        assert Request.objects.filter(created_at__gte=recent).exists()
        assert Referral.objects.filter(status__in=["sent", "acknowledged"]).exists()
