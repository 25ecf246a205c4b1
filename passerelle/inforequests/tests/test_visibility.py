"""Who reads a request and its answer: the asking and the addressed organisations; sister
components read what was asked, and the answer only when it is an aggregate; nobody else.
Property: the boxes of `scope_requests` and `relation` agree."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation, User
from passerelle.core.models import AuditEvent
from passerelle.directory.models import ThematicArea
from passerelle.geography.models import Area
from passerelle.policy import inforequests as rules
from passerelle.policy.roles import ROLES

from .. import services
from ..models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(world, ask, protocol, disclose):
    """Two answered requests of HRD to UNHCR: one at level 2 with a record shared in answer,
    one with aggregate figures."""
    detailed = ask(level=2, data_category="hr", subject="Incidents de VBG à Ansongo")
    services.answer_request(
        world["fp"],
        detailed,
        answer="Trois incidents en mars.",
        answer_level=2,
        disclosures=[disclose(protocol, world["hrd"])],
    )
    aggregate = ask(subject="Chiffres des retours à Gao")
    services.answer_request(world["fp"], aggregate, answer="412 retours.", answer_level=1)
    return detailed, aggregate


@pytest.mark.parametrize(
    "who, standing, sees_detailed",
    [
        ("asker", "asker", True),
        ("hrd_viewer", "asker", True),
        ("fp", "addressee", True),
        ("unhcr_viewer", "addressee", True),
        ("sister", "sister", False),
    ],
)
def test_who_reads_the_request_and_its_answer(world, answered, who, standing, sees_detailed):
    detailed, aggregate = answered
    user = world[who]
    assert rules.get_request_or_404(user, detailed.public_id) == detailed
    assert rules.relation(user, detailed) == standing
    assert rules.sees_answer(user, detailed) is sees_detailed
    assert rules.sees_answer(user, aggregate) is True


def test_an_aggregate_answer_with_shared_records_is_not_shown_to_sisters(
    world, ask, protocol, disclose
):
    request = ask(level=2, data_category="hr")
    services.answer_request(
        world["fp"],
        request,
        answer="Voir les fiches partagées.",
        answer_level=1,
        disclosures=[disclose(protocol, world["hrd"])],
    )
    assert rules.sees_answer(world["asker"], request)
    assert not rules.sees_answer(world["sister"], request)


@pytest.mark.parametrize("who", ["outsider", "sysadmin"])
def test_others_get_a_404_and_it_is_audited(world, answered, who):
    detailed, _ = answered
    with pytest.raises(Http404):
        rules.get_request_or_404(world[who], detailed.public_id)
    assert rules.relation(world[who], detailed) is None
    assert not rules.sees_answer(world[who], detailed)
    refusal = AuditEvent.objects.filter(action="access.refused", actor=world[who]).last()
    assert refusal.detail == {"action": "request.view", "reason": f"request {detailed.public_id}"}


def test_the_system_administrator_holds_no_request_action(world, client_for):
    sysadmin = world["sysadmin"]
    for action in ("request.view", "request.create", "request.answer"):
        assert not policy.can(sysadmin, action)
    assert client_for(sysadmin).get("/requests/").status_code == 403


def test_the_boxes(world, ask, user_with_role):
    made = ask()
    received = ask(
        actor=user_with_role("monitor", world["unhcr"]),
        asker=world["unhcr"],
        addressee=world["hrd"],
    )
    sister = ask(actor=world["sister"], asker=world["cps"])
    user = world["asker"]

    def box(name):
        return set(rules.scope_requests(user, box=name))

    assert box("made") == {made}
    assert box("received") == {received}
    assert box("related") == {sister}
    assert box("all") == {made, received, sister}
    # UNHCR receives HRD's and CPS's requests and made one; nothing is "related" for it
    assert set(rules.scope_requests(world["fp"], box="received")) == {made, sister}
    assert set(rules.scope_requests(world["fp"], box="related")) == set()
    assert set(rules.scope_requests(world["outsider"])) == set()


def test_the_mission_reads_what_its_components_asked(world, ask, user_with_role):
    request = ask()
    mission_officer = user_with_role("viewer", world["mission"])
    assert rules.relation(mission_officer, request) == "sister"
    assert not rules.may_answer(mission_officer, request)
    assert not rules.may_follow_up(mission_officer, request)


# --------------------------------------------------------------------------- property

_refs = itertools.count(1)
ROLE_NAMES = sorted(ROLES)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parents=st.lists(st.integers(min_value=-1, max_value=4), min_size=6, max_size=6),
    inactive=st.sets(st.integers(min_value=0, max_value=5), max_size=2),
    pairs=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(lambda p: p[0] != p[1]),
        min_size=1,
        max_size=8,
    ),
    memberships=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(ROLE_NAMES), st.booleans()), max_size=4
    ),
)
def test_scope_and_relation_agree(db, parents, inactive, pairs, memberships):
    """For any organisations (a parent among the earlier ones, or none), requests between
    them, and a user's memberships (active or not): a request is in scope_requests(user) iff
    relation(user, request) is not None, and each box holds the requests of its standing."""
    with transaction.atomic():
        theme = ThematicArea.objects.first()
        area, _ = Area.objects.get_or_create(
            pcode="ML", defaults={"name_fr": "Mali", "name_en": "Mali", "level": 0}
        )
        orgs = []
        for i, parent in enumerate(parents):
            orgs.append(
                Organisation.objects.create(
                    acronym=f"P{next(_refs)}",
                    name=f"Property organisation {next(_refs)}",
                    type="ingo",
                    parent=orgs[parent] if 0 <= parent < i else None,
                    active=i not in inactive,
                )
            )
        requests = [
            Request.objects.create(
                reference=f"RQ-P-{next(_refs)}",
                asker=orgs[a],
                addressee=orgs[b],
                thematic_area=theme,
                purpose="analysis",
                area=area,
                subject="s",
                body="b",
                due_on=dt.date(2013, 3, 1),
            )
            for a, b in pairs
        ]
        user = User.objects.create(username=f"prop{next(_refs)}")
        for index, role, active in memberships:
            Membership.objects.get_or_create(
                user=user, organisation=orgs[index], role=role, defaults={"active": active}
            )
        boxes = {
            name: set(rules.scope_requests(user, box=name).values_list("pk", flat=True))
            for name in ("all", "made", "received", "related")
        }
        for request in requests:
            standing = rules.relation(user, request)
            assert (request.pk in boxes["all"]) == (standing is not None)
            assert (request.pk in boxes["made"]) == (standing == "asker")
            assert (request.pk in boxes["related"]) == (standing == "sister")
            if standing == "addressee":
                assert request.pk in boxes["received"]
            if request.pk in boxes["received"]:
                assert standing in ("asker", "addressee")
            # reading the answer never goes beyond reading the request
            if standing is None:
                assert not rules.sees_answer(user, request)
        transaction.set_rollback(True)
