"""The demo coordination (passerelle.demo.coordination): bodies, memberships guided by risk
analyses, the risk register, meetings and action points, the mapping of trainings with its
likely duplicates; idempotent."""

import datetime as dt
from itertools import combinations

import pytest
from django.utils import timezone

from passerelle.coordination.models import (
    ActionPoint,
    Attendance,
    Body,
    BodyMembership,
    Decision,
    EngagementRisk,
    Meeting,
    RiskReview,
    Training,
)
from passerelle.demo import clock, coordination, loader
from passerelle.demo.coordination_data import TRAININGS

HUMANITARIAN = ("un_agency", "ingo", "nngo")


@pytest.fixture
def world(db):
    """Demo areas, organisations and users (without incidents), as the demo loader makes them."""
    loader.load_areas_if_needed()
    result = loader.Result()
    orgs = loader.load_organisations(result)
    users = loader.load_users(orgs, result)
    return orgs, users


@pytest.fixture
def loaded(world):
    return coordination.load_coordination(*world)


def _snapshot() -> dict:
    models = (Body, BodyMembership, Meeting, Attendance, Decision, ActionPoint, RiskReview)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["risks"] = sorted(EngagementRisk.objects.values_list("title", "updated_at"))
    counts["trainings"] = sorted(Training.objects.values_list("title", "updated_at"))
    counts["action_points"] = sorted(ActionPoint.objects.values_list("text", "status", "due_on"))
    return counts


def test_loading_twice_creates_nothing(world):
    first = coordination.load_coordination(*world)
    assert first["trainings"] == len(TRAININGS)
    before = _snapshot()
    second = coordination.load_coordination(*world)
    assert _snapshot() == before
    assert all(v == 0 for k, v in second.items() if k != "seconds"), second
    assert first["seconds"] < 2 and second["seconds"] < 2


def test_counts(loaded):
    assert Body.objects.count() >= 10
    assert 15 <= Meeting.objects.count() <= 20
    assert 35 <= ActionPoint.objects.count() <= 45
    assert 7 <= EngagementRisk.objects.count() <= 9
    assert RiskReview.objects.count() >= 3
    assert 40 <= Training.objects.count() <= 50
    for meeting in Meeting.objects.prefetch_related("decisions", "attendance"):
        assert 1 <= meeting.decisions.count() <= 3, meeting
        statuses = {a.status for a in meeting.attendance.all()}
        assert "present" in statuses, meeting
    assert set(Attendance.objects.values_list("status", flat=True)) == {
        "present",
        "apologies",
        "absent",
    }
    kinds = set(Body.objects.values_list("kind", flat=True))
    assert {"cluster", "aor", "working_group", "mission_coordination", "hct"} <= kinds


def test_humanitarians_in_mission_bodies_are_guided_by_their_own_open_risk(loaded):
    memberships = BodyMembership.objects.select_related(
        "body__chair", "organisation", "risk__organisation"
    )
    checked = 0
    for membership in memberships:
        if not membership.body.is_mission_body():
            continue
        if membership.organisation.type not in HUMANITARIAN:
            continue
        risk = membership.risk
        assert risk is not None, membership
        assert risk.organisation_id == membership.organisation_id, membership
        assert risk.status != EngagementRisk.Status.CLOSED, membership
        checked += 1
    assert checked >= 4
    drc = BodyMembership.objects.get(body__kind="mission_coordination", organisation__acronym="DRC")
    assert drc.status == "observer"
    assert set(drc.risk.shared_with.values_list("acronym", flat=True)) == {"UNHCR"}
    in_cell = set(
        BodyMembership.objects.filter(body__kind="mission_coordination").values_list(
            "organisation__acronym", flat=True
        )
    )
    assert {"UNHCR", "OCHA", "DRC"} <= in_cell


def test_risk_reviews_are_due_and_upcoming(loaded):
    today = timezone.localdate()
    due = EngagementRisk.objects.review_due(today)
    assert due.exists()
    upcoming = EngagementRisk.objects.exclude(status="closed").filter(next_review__gt=today)
    assert upcoming.exists()
    closed = EngagementRisk.objects.filter(status="closed")
    assert closed.count() == 1 and not closed.get().review_due(today)
    assert set(EngagementRisk.objects.values_list("principle", flat=True)) == {
        "neutrality",
        "impartiality",
        "independence",
        "humanity",
    }
    for risk in EngagementRisk.objects.all():
        assert 1 <= risk.likelihood <= 5 and 1 <= risk.impact <= 5
    # the latest review matches the current scores
    for risk in EngagementRisk.objects.exclude(reviews=None):
        latest = risk.reviews.first()
        assert (latest.likelihood, latest.impact) == (risk.likelihood, risk.impact), risk


def test_action_points_are_overdue_and_upcoming(loaded):
    today = timezone.localdate()
    overdue = ActionPoint.objects.overdue(today)
    assert 7 <= overdue.count() <= 12
    upcoming = ActionPoint.objects.pending().filter(due_on__gte=today)
    assert upcoming.count() >= 6
    recent = {ap.meeting for ap in upcoming}
    assert all(today - dt.timedelta(days=30) <= m.held_on <= today for m in recent)
    for ap in ActionPoint.objects.filter(status="done"):
        assert ap.done_on is not None and ap.done_on >= ap.meeting.held_on
    for ap in ActionPoint.objects.exclude(status="done"):
        assert ap.done_on is None
    statuses = set(ActionPoint.objects.values_list("status", flat=True))
    assert {"open", "in_progress", "done"} <= statuses
    # as the coordination services require: the person responsible works for the owner
    named = ActionPoint.objects.exclude(owner_user=None).select_related("owner_user", "owner")
    assert named.exists()
    for ap in named:
        assert ap.owner_user.memberships.filter(organisation=ap.owner).exists(), ap.text
        assert ap.due_on >= ap.meeting.held_on
    for risk in EngagementRisk.objects.exclude(owner_user=None).select_related("owner_user"):
        assert risk.owner_user.memberships.filter(organisation=risk.organisation).exists()


def _duplicates(a: Training, b: Training) -> bool:
    """Same topic and audience, one area containing the other, overlapping periods."""
    pa, pb = a.area.pcode, b.area.pcode
    return (
        a.topic == b.topic
        and a.audience == b.audience
        and (pa.startswith(pb) or pb.startswith(pa))
        and a.starts_on <= b.ends_on
        and b.starts_on <= a.ends_on
    )


def test_at_least_four_likely_duplicate_pairs_and_near_misses(loaded):
    trainings = list(Training.objects.select_related("area", "provider"))
    pairs = [(a, b) for a, b in combinations(trainings, 2) if _duplicates(a, b)]
    assert len(pairs) >= 4
    assert any(
        {a.provider.acronym, b.provider.acronym} == {"OHCHR", "MINUSMA-HRD"} for a, b in pairs
    )
    found = {
        frozenset((a.provider.acronym, a.area.pcode, b.provider.acronym, b.area.pcode))
        for a, b in pairs
    }
    # near misses: same IHL training in Gao, mine-risk in two cercles of Gao the same days
    ihl_gao = Training.objects.get(provider__acronym="OHCHR", topic="ihl", area__pcode="ML0703")
    assert not any(ihl_gao in pair for pair in pairs)
    bourem = Training.objects.get(area__pcode="ML0702", topic="mine_risk")
    ansongo = Training.objects.get(area__pcode="ML0701", topic="mine_risk")
    assert not _duplicates(bourem, ansongo)
    catch_up = Training.objects.get(title__contains="rattrapage")
    assert not any(catch_up in pair for pair in pairs)
    assert len(found) == len(pairs)
    for t in trainings:
        # the story's September 2013 – June 2014, in the present (demo/clock.py)
        assert clock.shift(dt.date(2013, 9, 1)) <= t.starts_on <= t.ends_on
        assert t.ends_on <= clock.shift(dt.date(2014, 6, 30))
        assert t.women is None or t.women <= t.participants
