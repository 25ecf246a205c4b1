"""Coordination's families in the policy registry: bodies, meetings, action points, risks and
trainings answer `can` and `scope` alike (one rule gives both), whoever asks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle import policy
from passerelle.coordination.models import ActionPoint, Body, EngagementRisk, Meeting, Training
from passerelle.policy.testing import disagreements

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def people(org, other_org, mission, un_agency, user_with_role):
    return [
        user_with_role("focal_point", org),
        user_with_role("viewer", org),
        user_with_role("org_admin", un_agency),
        user_with_role("im_officer", other_org),
        user_with_role("focal_point", mission),
        user_with_role("system_admin", other_org),
    ]


@hsettings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chair=st.sampled_from(["org", "un_agency", "mission"]),
    co_chair=st.sampled_from([None, "org", "other_org"]),
    member=st.sampled_from(["un_agency", "other_org", "mission"]),
    membership=st.sampled_from(["current", "ended", "future"]),
    owner=st.sampled_from(["org", "other_org", "un_agency"]),
    shared=st.booleans(),
)
def test_coordination_rules_answer_can_and_scope_alike(
    org,
    other_org,
    mission,
    un_agency,
    people,
    areas,
    make_body,
    make_membership,
    make_risk,
    chair,
    co_chair,
    member,
    membership,
    owner,
    shared,
):
    from django.db import transaction

    named = {"org": org, "other_org": other_org, "mission": mission, "un_agency": un_agency}
    with transaction.atomic():
        body = make_body("PC", named[chair], co_chair=named.get(co_chair))
        since, until = {
            "current": (TODAY - dt.timedelta(days=10), None),
            "ended": (TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)),
            "future": (TODAY + dt.timedelta(days=5), None),
        }[membership]
        make_membership(body, named[member], since=since, until=until)
        meeting = Meeting.objects.create(body=body, held_on=TODAY)
        ActionPoint.objects.create(
            body=body, meeting=meeting, text="Map the services", owner=named[owner], due_on=TODAY
        )
        make_risk(named[owner], body=body, shared_with=[org] if shared else [])
        Training.objects.create(
            provider=named[owner],
            title="Principes de protection",
            topic="poc",
            audience="mission_civilian",
            area=areas["ML07"],
            starts_on=TODAY,
            ends_on=TODAY,
        )
        for model in (Body, Meeting, ActionPoint, EngagementRisk, Training):
            actions = list(policy.family_of(model).rules)
            assert disagreements(people, model.objects.all(), actions) == [], model.__name__
        transaction.set_rollback(True)


def test_the_old_names_answer_like_the_registry(org, un_agency, people, make_body):
    body = make_body("PC", org)
    for user in people:
        assert policy.can(user, "coordination.manage", body) == (
            policy.coordination.may_manage_body(user, body)
        )
        assert policy.can(user, "coordination.read_meetings", body) == (
            policy.coordination.may_read_meetings(user, body)
        )
