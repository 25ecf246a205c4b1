"""Who reads what in coordination: bodies for all, meetings and action points for those who
sit in the body, risk analyses for their organisation and those it shares them with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle.coordination.models import ActionPoint, Body, EngagementRisk, Meeting
from passerelle.core.models import AuditEvent
from passerelle.policy import coordination as rules
from passerelle.policy import forget

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def cluster(make_body, un_agency, org, other_org, make_membership):
    """The Mopti protection cluster: UNHCR chairs, DRC co-chairs, AMSS observes."""
    body = make_body("PC-MOPTI", un_agency, co_chair=org)
    make_membership(body, other_org, status="observer")
    return body


@pytest.fixture
def meeting(cluster):
    return Meeting.objects.create(body=cluster, held_on=TODAY() - dt.timedelta(days=3))


def readers(user):
    return set(rules.scope_meetings(user, Meeting.objects.all()).values_list("pk", flat=True))


def test_every_holder_of_coordination_view_reads_bodies_but_a_system_admin_does_not(
    cluster, user_with_role, mission
):
    outsider = user_with_role("viewer", mission)
    admin = user_with_role("system_admin", mission)
    assert list(rules.scope_bodies(outsider, Body.objects.all())) == [cluster]
    assert list(rules.scope_bodies(admin, Body.objects.all())) == []


@pytest.mark.parametrize(
    ("who", "reads"),
    [("chair", True), ("co_chair", True), ("observer", True), ("outsider", False)],
)
def test_meetings_are_read_by_the_organisations_sitting_in_the_body(
    who, reads, meeting, un_agency, org, other_org, mission, user_with_role
):
    organisation = {"chair": un_agency, "co_chair": org, "observer": other_org}.get(who, mission)
    user = user_with_role("viewer", organisation)
    assert (meeting.pk in readers(user)) is reads
    assert rules.may_read_meetings(user, meeting.body) is reads


def test_a_member_reads_while_the_membership_is_current(
    meeting, mission_component, make_membership, user_with_role
):
    user = user_with_role("viewer", mission_component)
    membership = make_membership(meeting.body, mission_component, status="member")
    assert meeting.pk in readers(user)
    membership.until = TODAY() - dt.timedelta(days=1)
    membership.save()
    assert meeting.pk not in readers(user)
    membership.until = None
    membership.since = TODAY() + dt.timedelta(days=5)
    membership.save()
    assert meeting.pk not in readers(user)


def test_a_system_admin_of_a_sitting_organisation_reads_no_meeting(
    meeting, un_agency, user_with_role
):
    admin = user_with_role("system_admin", un_agency)
    assert readers(admin) == set()


def test_an_outsider_gets_404_for_a_meeting_and_the_refusal_is_audited(
    meeting, mission, user_with_role
):
    outsider = user_with_role("viewer", mission)
    with pytest.raises(Http404):
        rules.get_meeting_or_404(outsider, meeting.public_id)
    event = AuditEvent.objects.get(action="access.refused", actor=outsider)
    assert event.object_id == str(meeting.public_id)
    assert event.detail["action"] == "coordination.view"


def test_an_organisation_reads_the_action_points_it_owns_without_sitting_in_the_body(
    cluster, meeting, mission, user_with_role
):
    owned = ActionPoint.objects.create(
        body=cluster, meeting=meeting, text="Share the HRD figures", owner=mission, due_on=TODAY()
    )
    other = ActionPoint.objects.create(
        body=cluster, text="Update the 4W", owner=cluster.chair, due_on=TODAY()
    )
    user = user_with_role("viewer", mission)
    seen = set(rules.scope_action_points(user, ActionPoint.objects.all()))
    assert seen == {owned}
    assert rules.get_action_point_or_404(user, owned.public_id) == owned
    with pytest.raises(Http404):
        rules.get_action_point_or_404(user, other.public_id)


@pytest.mark.parametrize(
    ("role", "where", "manages"),
    [
        ("focal_point", "chair", True),
        ("org_admin", "co_chair", True),
        ("viewer", "chair", False),
        ("org_admin", "observer", False),
        ("im_officer", "outsider", True),  # directory.manage: the cluster's IM officer
    ],
)
def test_who_manages_a_body(
    role, where, manages, cluster, un_agency, org, other_org, mission, user_with_role
):
    organisation = {"chair": un_agency, "co_chair": org, "observer": other_org}.get(where, mission)
    user = user_with_role(role, organisation)
    assert rules.may_manage_body(user, cluster) is manages


def test_minutes_are_kept_only_by_managers_who_sit_in_the_body(cluster, mission, user_with_role):
    im_outside = user_with_role("im_officer", mission)
    assert rules.may_manage_body(im_outside, cluster)
    assert not rules.may_keep_minutes(im_outside, cluster)
    chair_fp = user_with_role("focal_point", cluster.chair)
    assert rules.may_keep_minutes(chair_fp, cluster)


def test_a_humanitarian_analysis_is_read_by_its_risk_managers_only(
    org, mission_component, make_risk, user_with_role
):
    risk = make_risk(org)
    own_fp = user_with_role("focal_point", org)
    own_viewer = user_with_role("viewer", org)
    mission_fp = user_with_role("org_admin", mission_component)
    everyone = EngagementRisk.objects.all()
    assert list(rules.scope_risks(own_fp, everyone)) == [risk]
    assert list(rules.scope_risks(own_viewer, everyone)) == []
    assert list(rules.scope_risks(mission_fp, everyone)) == []
    assert rules.may_manage_risk(own_fp, risk)


def test_the_mission_reads_an_analysis_only_once_it_is_shared_with_it(
    org, mission_component, make_risk, user_with_role
):
    risk = make_risk(org)
    mission_fp = user_with_role("focal_point", mission_component)
    with pytest.raises(Http404):
        rules.get_risk_or_404(mission_fp, risk.public_id)
    refused = AuditEvent.objects.get(action="access.refused", actor=mission_fp)
    assert refused.organisation == org
    risk.shared_with.add(mission_component)
    forget(mission_fp)
    assert rules.get_risk_or_404(mission_fp, risk.public_id) == risk
    assert list(rules.scope_risks(mission_fp, EngagementRisk.objects.all())) == [risk]
    assert not rules.may_manage_risk(mission_fp, risk)  # reading is not writing


def test_readable_risk_ids_lists_only_what_the_user_reads(
    org, other_org, make_risk, user_with_role
):
    mine = make_risk(org)
    theirs = make_risk(other_org)
    shared = make_risk(other_org, shared_with=[org])
    user = user_with_role("focal_point", org)
    assert rules.readable_risk_ids(user, [mine.pk, theirs.pk, shared.pk, None]) == {
        mine.pk,
        shared.pk,
    }


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    place=st.sampled_from(["none", "chair", "co_chair", "member", "observer"]),
    since_offset=st.integers(min_value=-40, max_value=10),
    until_offset=st.one_of(st.none(), st.integers(min_value=-20, max_value=20)),
    role=st.sampled_from(["viewer", "monitor", "focal_point", "system_admin"]),
)
def test_the_list_and_the_object_check_agree_on_who_reads_meetings(
    make_body,
    make_membership,
    un_agency,
    org,
    user_with_role,
    place,
    since_offset,
    until_offset,
    role,
):
    with transaction.atomic():
        today = TODAY()
        body = make_body(
            "PC-HYP",
            org if place == "chair" else un_agency,
            co_chair=org if place == "co_chair" else None,
        )
        if place in ("member", "observer"):
            make_membership(
                body,
                org,
                status=place,
                since=today + dt.timedelta(days=since_offset),
                until=None if until_offset is None else today + dt.timedelta(days=until_offset),
            )
        meeting = Meeting.objects.create(body=body, held_on=today)
        user = user_with_role(role, org)
        listed = meeting.pk in readers(user)
        checked = rules.may_read_meetings(user, Body.objects.get(pk=body.pk))
        assert listed == checked
        current = since_offset <= 0 and (until_offset is None or until_offset >= 0)
        sits = place in ("chair", "co_chair") or (place in ("member", "observer") and current)
        assert listed == (sits and role != "system_admin")
        transaction.set_rollback(True)
