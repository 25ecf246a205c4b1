"""The home dashboard: counts and the latest incidents, without auditing reads it does not show."""

import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import incident_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(monitor, areas):
    return [incident_factory(monitor, classification=3) for _ in range(10)]


@pytest.mark.parametrize("role", ["viewer", "verifier", "org_admin", "monitor"])
def test_the_home_page_lists_the_latest_incidents_in_a_fixed_number_of_queries(
    role, ten, client_as, django_assert_max_num_queries
):
    client = client_as(role)
    client.get(reverse("core:home"))
    # incl. the requests, referrals, action points and shares cards (one aggregate each)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
    shown = [i for i in ten if i.reference in response.content.decode()]
    assert len(shown) == (8 if role != "viewer" else 0)  # the incidents are classified 3


@pytest.mark.parametrize("role", ["verifier", "org_admin", "monitor"])
def test_the_home_page_does_not_audit_confidential_reads(role, ten, client_as):
    client = client_as(role)
    before = AuditEvent.objects.count()
    client.get(reverse("core:home"))
    assert AuditEvent.objects.count() == before


def test_the_home_page_of_a_system_admin_shows_no_case_data(ten, client_as):
    response = client_as("system_admin").get(reverse("core:home"))
    assert response.status_code == 200
    assert not any(i.reference in response.content.decode() for i in ten)


# --------------------------------------------------------------------------- each role's work

import datetime as dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from passerelle.core.guard import unscoped  # noqa: E402


def _request(asker, addressee, areas, *, reference, due_in=5, status="open", answered=None):
    from passerelle.directory.models import ThematicArea
    from passerelle.inforequests.models import Request

    theme, _ = ThematicArea.objects.get_or_create(
        code="general", defaults={"name_fr": "Général", "name_en": "General"}
    )
    with unscoped():
        return Request.objects.create(
            reference=reference,
            asker=asker,
            addressee=addressee,
            thematic_area=theme,
            purpose="response",
            area=areas["ML07"],
            subject="Sujet confidentiel de la demande",
            body="Texte",
            due_on=timezone.localdate() + dt.timedelta(days=due_in),
            status=status,
            answered_at=answered,
        )


def _action_point(owner, chair, areas, *, text, due_in):
    from passerelle.coordination.models import ActionPoint, Body

    body, _ = Body.objects.get_or_create(
        acronym=f"B-{chair.acronym}",
        defaults={"name": "Groupe", "kind": "cluster", "place": areas["ML07"], "chair": chair},
    )
    return ActionPoint.objects.create(
        body=body, owner=owner, text=text, due_on=timezone.localdate() + dt.timedelta(days=due_in)
    )


def _cards(response) -> dict:
    import re

    html = response.content.decode()
    return {
        label.strip(): int(n)
        for n, label in re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", html)
    }


def test_a_focal_point_lands_on_the_requests_to_answer_not_on_zero_cards(
    org, other_org, areas, client_as
):
    _request(other_org, org, areas, reference="RQ-2026-0001", due_in=-2)
    _request(other_org, org, areas, reference="RQ-2026-0002", due_in=4)
    _request(org, other_org, areas, reference="RQ-2026-0003")  # made by org, not to answer
    response = client_as("focal_point").get(reverse("core:home"))
    cards = _cards(response)
    assert cards["requests waiting for your organisation's answer"] == 2
    assert cards["overdue request"] == 1  # one: in the singular
    html = response.content.decode()
    assert "RQ-2026-0001" in html and "RQ-2026-0002" in html  # the next ones to answer
    assert "Sujet confidentiel" not in html  # the list names references, not subjects
    assert 0 not in cards.values(), cards  # no card at zero


def test_an_im_officer_sees_no_incident_cards_when_there_are_no_incidents(client_as):
    response = client_as("im_officer").get(reverse("core:home"))
    assert response.status_code == 200
    cards = _cards(response)
    assert 0 not in cards.values(), cards
    assert "Latest incidents" not in response.content.decode()


def test_a_monitor_sees_the_register_by_status_and_a_viewer_only_the_total(
    org, monitor, areas, client_as
):
    from passerelle.incidents.tests.factories import incident_factory

    for _ in range(3):
        incident_factory(monitor, area=areas["ML0701"], classification=2)
    as_monitor = _cards(client_as("monitor").get(reverse("core:home")))
    assert as_monitor["incidents you can open"] == 3
    assert as_monitor["Reported"] == 3
    assert "Verified" not in as_monitor  # zero: not shown
    as_viewer = _cards(client_as("viewer").get(reverse("core:home")))
    assert as_viewer == {"incidents you can open": 3}


def test_action_points_owed_by_the_organisation_are_on_the_home(org, other_org, areas, client_as):
    _action_point(org, org, areas, text="Envoyer la cartographie", due_in=-1)
    _action_point(org, org, areas, text="Préparer la réunion", due_in=3)
    _action_point(org, org, areas, text="Plus tard", due_in=30)
    _action_point(other_org, other_org, areas, text="Action d'une autre organisation", due_in=-1)
    response = client_as("focal_point").get(reverse("core:home"))
    cards = _cards(response)
    assert cards["action point overdue"] == 1
    assert cards["action point due within a week"] == 1
    assert cards["open action points"] == 3
    html = response.content.decode()
    assert "Envoyer la cartographie" in html
    assert "Action d&#x27;une autre organisation" not in html
    assert "autre organisation" not in html


def test_no_card_counts_what_another_organisation_may_not_show(
    org, other_org, areas, user_with_role, client_as
):
    """Requests between two other organisations, their action points and their incidents
    never reach the counts of a user of `org`."""
    from passerelle.accounts.tests.factories import OrganisationFactory
    from passerelle.incidents.tests.factories import incident_factory

    third = OrganisationFactory(acronym="THIRD", name="Troisième")
    _request(other_org, third, areas, reference="RQ-2026-0009", due_in=-3)
    _action_point(other_org, other_org, areas, text="Pas pour DRC", due_in=-1)
    stranger = user_with_role("monitor", other_org)
    incident_factory(stranger, area=areas["ML0701"], classification=2)
    for role in ("focal_point", "im_officer", "monitor", "viewer", "org_admin", "case_worker"):
        response = client_as(role).get(reverse("core:home"))
        html = response.content.decode()
        assert "RQ-2026-0009" not in html, role
        assert "Pas pour DRC" not in html, role
        assert _cards(response) == {} or 0 not in _cards(response).values(), role
        assert "incidents you can open" not in _cards(response), role


def test_what_changed_since_the_previous_visit(org, other_org, monitor, areas, client_as):
    from passerelle.accounts.models import User
    from passerelle.core.models import Notification
    from passerelle.incidents.tests.factories import incident_factory

    client = client_as("focal_point")
    user = client.user
    before = timezone.now() - dt.timedelta(days=2)
    User.objects.filter(pk=user.pk).update(previous_login=before)
    old = _request(other_org, org, areas, reference="RQ-2026-0011")
    _request(other_org, org, areas, reference="RQ-2026-0012")
    with unscoped():
        type(old).objects.filter(pk=old.pk).update(created_at=before - dt.timedelta(days=1))
    Notification.objects.create(recipient=user, kind="request.received", params={})
    incident_factory(monitor, area=areas["ML0701"], classification=2)
    html = client.get(reverse("core:home")).content.decode()
    assert "Your previous visit" in html
    assert "1 new since your last visit" in html  # one of the two requests arrived since
    assert "1 notification since then" in html
    assert "1 incident recorded since then" in html


def test_logging_in_keeps_the_time_of_the_previous_login(user_with_role):
    from django.test import Client

    from passerelle.accounts.models import User

    user = user_with_role("viewer", username="ana", password="a long pass phrase 42")
    earlier = timezone.now() - dt.timedelta(days=3)
    User.objects.filter(pk=user.pk).update(last_login=earlier)
    response = Client().post(
        reverse("accounts:login"), {"username": "ana", "password": "a long pass phrase 42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.previous_login == earlier
    assert user.last_login > earlier


def test_an_organisation_administrator_sees_the_protocols_to_sign(org, other_org, client_as):
    from passerelle.sharing.models import Protocol, ProtocolParty

    mine = Protocol.objects.create(reference="PC-1", title="Protocole", status="draft")
    ProtocolParty.objects.create(protocol=mine, organisation=org, role="cluster_member")
    theirs = Protocol.objects.create(reference="PC-2", title="Autre", status="draft")
    ProtocolParty.objects.create(protocol=theirs, organisation=other_org, role="cluster_member")
    cards = _cards(client_as("org_admin").get(reverse("core:home")))
    assert cards["protocol awaiting your organisation's signature"] == 1
    assert "protocol awaiting your organisation's signature" not in _cards(
        client_as("focal_point").get(reverse("core:home"))
    )


@pytest.mark.parametrize(
    "role",
    [
        "viewer",
        "monitor",
        "case_worker",
        "verifier",
        "im_officer",
        "focal_point",
        "org_admin",
        "system_admin",
    ],
)
def test_every_task_the_home_offers_opens_for_that_role(role, client_as, areas):
    """The system administrator's home offered the response gaps, a page that refused them
    (403; the link asked for service.view, the page declares aggregate.view): found by
    following every link of each demo role."""
    import re

    client = client_as(role)
    page = client.get(reverse("core:home")).content.decode()
    start = page.split('id="home-start"', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"', start)
    assert links or role in ("viewer", "system_admin")
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, (role, link)
