"""Bodies and who sits in them: creating a body, the engagement risk rule for humanitarian
organisations in the mission's bodies, ending a membership, and the body pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from passerelle.coordination import services
from passerelle.coordination.models import Body, BodyMembership
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission_body(make_body, mission, hubs):
    """MINUSMA's internal protection coordination body, in Gao."""
    return make_body("MINUSMA-PCB", mission, kind=Body.Kind.MISSION_COORDINATION, place=hubs["gao"])


@pytest.fixture
def chair_fp(mission, user_with_role):
    return user_with_role("focal_point", mission, username="minusma.pcb")


def body_values(hubs, chair, **changes):
    values = {
        "name": "Groupe de travail protection de Tombouctou",
        "acronym": "PWG-TBT",
        "kind": Body.Kind.WORKING_GROUP,
        "place": hubs["tombouctou"],
        "chair": chair,
    }
    values.update(changes)
    return values


# --------------------------------------------------------------------------- bodies


def test_a_focal_point_creates_a_body_chaired_by_their_organisation(org, hubs, user_with_role):
    fp = user_with_role("focal_point", org)
    body = services.save_body(fp, None, **body_values(hubs, org))
    assert body.chair == org and body.place == hubs["tombouctou"]
    event = AuditEvent.objects.get(action="coordination.body.create")
    assert event.actor == fp and event.detail["acronym"] == "PWG-TBT"


def test_a_focal_point_cannot_create_a_body_chaired_by_another_organisation(
    org, un_agency, hubs, user_with_role
):
    fp = user_with_role("focal_point", org)
    with pytest.raises(DomainError):
        services.save_body(fp, None, **body_values(hubs, un_agency))
    assert not Body.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=fp).exists()


def test_the_cluster_im_officer_creates_a_body_for_any_chair(org, un_agency, hubs, user_with_role):
    im = user_with_role("im_officer", org)
    body = services.save_body(im, None, **body_values(hubs, un_agency, co_chair=org))
    assert body.chair == un_agency and body.co_chair == org


def test_a_short_name_is_used_once_and_the_co_chair_is_another_organisation(
    org, hubs, make_body, user_with_role
):
    make_body("PWG-TBT", org)
    fp = user_with_role("focal_point", org)
    with pytest.raises(DomainError) as taken:
        services.save_body(fp, None, **body_values(hubs, org, acronym="pwg-tbt"))
    assert taken.value.field == "acronym"
    with pytest.raises(DomainError) as same:
        services.save_body(fp, None, **body_values(hubs, org, acronym="X", co_chair=org))
    assert same.value.field == "co_chair"


def test_a_body_cannot_be_part_of_its_own_sub_group(org, hubs, make_body, user_with_role):
    parent = make_body("PC", org)
    child = make_body("PC-HR", org, kind=Body.Kind.WORKING_GROUP, parent=parent)
    fp = user_with_role("focal_point", org)
    with pytest.raises(DomainError) as loop:
        services.save_body(
            fp, parent, **body_values(hubs, org, acronym="PC", name="Cluster", parent=child)
        )
    assert loop.value.field == "parent"


# --------------------------------------------------------------------------- the risk rule


def test_a_humanitarian_organisation_needs_a_risk_analysis_to_sit_in_a_mission_body(
    mission_body, chair_fp, org
):
    with pytest.raises(DomainError) as refused:
        services.set_membership(chair_fp, mission_body, org, status="observer")
    message = str(refused.value)
    assert "DRC" in message and "MINUSMA-PCB" in message and "risk analysis" in message
    assert refused.value.field == "risk"
    assert not BodyMembership.objects.exists()


def test_with_its_own_open_analysis_it_may_sit_as_observer(
    mission_body, chair_fp, org, make_risk, user_with_role
):
    risk = make_risk(org, body=mission_body, shared_with=[mission_body.chair])
    membership = services.set_membership(chair_fp, mission_body, org, status="observer", risk=risk)
    assert membership.risk == risk and membership.status == "observer"
    event = AuditEvent.objects.get(action="coordination.membership.set")
    assert event.detail == {
        "organisation": "DRC",
        "status": "observer",
        "created": True,
        "risk_linked": True,
    }


def test_the_organisations_open_analysis_of_the_body_is_linked_without_the_chair_reading_it(
    mission_body, chair_fp, org, make_risk
):
    risk = make_risk(org, body=mission_body)  # not shared with the mission
    membership = services.set_membership(chair_fp, mission_body, org, status="member")
    assert membership.risk == risk


def test_a_closed_analysis_does_not_guide_participation(mission_body, chair_fp, org, make_risk):
    closed = make_risk(org, body=mission_body, status="closed", shared_with=[mission_body.chair])
    with pytest.raises(DomainError):
        services.set_membership(chair_fp, mission_body, org, status="member", risk=closed)
    with pytest.raises(DomainError):  # nor is it picked up on its own
        services.set_membership(chair_fp, mission_body, org, status="member")


def test_another_organisations_analysis_does_not_count(
    mission_body, chair_fp, org, un_agency, make_risk
):
    theirs = make_risk(un_agency, body=mission_body, shared_with=[mission_body.chair])
    with pytest.raises(DomainError) as refused:
        services.set_membership(chair_fp, mission_body, org, status="member", risk=theirs)
    assert refused.value.field == "risk"


def test_a_mission_component_needs_no_analysis_in_a_mission_body(
    mission_body, chair_fp, mission_component
):
    membership = services.set_membership(chair_fp, mission_body, mission_component, status="member")
    assert membership.risk is None


def test_a_humanitarian_organisation_needs_no_analysis_in_a_cluster_body(
    make_body, un_agency, org, user_with_role
):
    cluster = make_body("PC-GAO", un_agency)
    chair = user_with_role("focal_point", un_agency)
    membership = services.set_membership(chair, cluster, org, status="member")
    assert membership.risk is None


def test_any_body_chaired_by_the_mission_is_a_mission_body(make_body, mission, chair_fp, un_agency):
    working_group = make_body("HR-WG", mission, kind=Body.Kind.WORKING_GROUP)
    with pytest.raises(DomainError):
        services.set_membership(chair_fp, working_group, un_agency, status="observer")


def test_only_the_bodys_managers_set_memberships(mission_body, org, mission, user_with_role):
    viewer = user_with_role("viewer", mission)
    with pytest.raises(DomainError):
        services.set_membership(viewer, mission_body, org, status="member")
    assert AuditEvent.objects.filter(action="access.refused", actor=viewer).exists()


def test_an_organisation_may_withdraw_itself_but_not_end_others(
    make_body, un_agency, org, other_org, make_membership, user_with_role
):
    cluster = make_body("PC-TBT", un_agency)
    own = make_membership(cluster, org)
    theirs = make_membership(cluster, other_org)
    drc = user_with_role("org_admin", org)
    services.end_membership(drc, own)
    own.refresh_from_db()
    assert own.until == timezone.localdate() and not own.is_current(
        timezone.localdate() + dt.timedelta(days=1)
    )
    with pytest.raises(DomainError):
        services.end_membership(drc, theirs)


def test_an_analysis_guiding_a_current_participation_cannot_be_closed(
    mission_body, chair_fp, org, make_risk, user_with_role
):
    risk = make_risk(org, body=mission_body)
    membership = services.set_membership(chair_fp, mission_body, org, status="observer")
    drc = user_with_role("focal_point", org)
    with pytest.raises(DomainError) as refused:
        services.close_risk(drc, risk)
    assert "MINUSMA-PCB" in str(refused.value)
    services.end_membership(drc, membership)  # withdraws today
    services.close_risk(drc, risk, note="DRC left the body.")
    risk.refresh_from_db()
    assert risk.status == "closed"


# --------------------------------------------------------------------------- pages


def test_the_body_page_shows_the_analysis_title_only_to_those_who_read_it(
    mission_body, chair_fp, org, make_risk, user_with_role, client_for
):
    make_risk(org, body=mission_body, title="Perçue comme alignée sur la MINUSMA")
    services.set_membership(chair_fp, mission_body, org, status="observer")
    url = reverse("coordination:body_detail", args=[mission_body.public_id])
    as_chair = client_for(chair_fp).get(url)
    assert as_chair.status_code == 200
    assert "risk analysis on record" in as_chair.content.decode()
    assert "Perçue comme alignée" not in as_chair.content.decode()
    as_drc = client_for(user_with_role("focal_point", org)).get(url)
    assert "Perçue comme alignée" in as_drc.content.decode()


def test_adding_a_member_without_analysis_shows_why_on_the_form(
    mission_body, chair_fp, org, client_for
):
    response = client_for(chair_fp).post(
        reverse("coordination:membership_add", args=[mission_body.public_id]),
        {"organisation": org.pk, "status": "observer"},
    )
    assert response.status_code == 200
    assert "must be guided by an engagement risk analysis" in response.content.decode()
    assert not BodyMembership.objects.exists()


def test_adding_a_member_through_the_page(make_body, un_agency, org, user_with_role, client_for):
    cluster = make_body("PC-MPT", un_agency)
    client = client_for(user_with_role("focal_point", un_agency))
    response = client.post(
        reverse("coordination:membership_add", args=[cluster.public_id]),
        {"organisation": org.pk, "status": "member", "note": "Co-lead of the field cluster"},
    )
    assert response.status_code == 302
    assert BodyMembership.objects.get(body=cluster).organisation == org


def test_a_viewer_reads_the_bodies_but_may_not_add_one(make_body, org, user_with_role, client_for):
    make_body("PC", org)
    client = client_for(user_with_role("viewer", org))
    assert client.get(reverse("coordination:index")).status_code == 200
    listing = client.get(reverse("coordination:body_list"))
    assert listing.status_code == 200 and "PC" in listing.content.decode()
    assert client.get(reverse("coordination:body_create")).status_code == 403


def test_a_body_is_created_through_the_page(org, hubs, user_with_role, client_for):
    client = client_for(user_with_role("focal_point", org))
    response = client.post(
        reverse("coordination:body_create"),
        {
            "name": "Groupe de travail droits de l'homme",
            "acronym": "PC-HRWG",
            "kind": "working_group",
            "place": hubs["bamako"].pk,
            "chair": org.pk,
            "active": "on",
        },
    )
    body = Body.objects.get(acronym="PC-HRWG")
    assert response.status_code == 302 and body.chair == org


def test_an_organisation_withdraws_through_the_page(
    make_body, un_agency, org, other_org, make_membership, user_with_role, client_for
):
    cluster = make_body("PC-KDL", un_agency)
    own = make_membership(cluster, org)
    theirs = make_membership(cluster, other_org)
    client = client_for(user_with_role("focal_point", org))
    url = reverse("coordination:membership_end", args=[cluster.public_id])
    assert client.post(url, {"membership": own.pk}).status_code == 302
    client.post(url, {"membership": theirs.pk})
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.until == timezone.localdate() and theirs.until is None
    elsewhere = make_membership(make_body("PC-GAO", un_agency), org)
    assert client.post(url, {"membership": elsewhere.pk}).status_code == 404
