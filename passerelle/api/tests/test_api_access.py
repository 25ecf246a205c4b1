"""The API asks the policy like the pages: who is refused (anonymous, a role without the
action, another organisation), the same 404 for missing and forbidden (audited), and no
response shows a field the reader may not see (compared with `policy.visible_fields`)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from passerelle import policy
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents.models import Incident, Person
from passerelle.policy.roles import ROLES

from .apikit import META_KEYS, api_client

pytestmark = pytest.mark.django_db

DETAIL_ROUTES = {"incident": "incident", "person": "person"}
LISTS = [
    "incidents",
    "persons",
    "consents",
    "disclosures",
    "referrals",
    "services",
    "requests",
    "areas",
    "vocabularies",
]


def _url(name, obj=None):
    if obj is None:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"public_id": obj.public_id})


def _declared(name: str, method: str = "GET") -> tuple:
    from django.urls import resolve

    from passerelle.api.permissions import actions_of

    view = resolve(_url(name) if name in LISTS else f"/api/{name}s/{uuid.uuid4()}/").func
    return actions_of(view.view_class, method)


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_gets_a_401_problem(name, client):
    response = client.get(_url(name))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["instance"] == _url(name)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", LISTS)
def test_each_role_is_let_in_or_refused_as_the_roles_table_says(name, role, user_with_role):
    client = api_client(user_with_role(role))
    before = AuditEvent.objects.filter(action="access.refused").count()
    response = client.get(_url(name))
    holds = any(a in ROLES[role].actions for a in _declared(name))
    if holds:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert AuditEvent.objects.filter(action="access.refused").count() == before + 1


@pytest.mark.parametrize("role", sorted(ROLES))
def test_another_organisation_gets_the_404_of_a_missing_record(
    role, incident, person, other_org, user_with_role
):
    client = api_client(user_with_role(role, other_org))
    for name, obj in (("incident", incident), ("person", person)):
        refused_before = AuditEvent.objects.filter(action="access.refused").count()
        response = client.get(_url(name, obj))
        missing = client.get(reverse(f"api:{name}", kwargs={"public_id": uuid.uuid4()}))
        assert response.status_code == missing.status_code
        assert response.json()["detail"] == missing.json()["detail"]
        assert response.status_code in (403, 404)
        assert AuditEvent.objects.filter(action="access.refused").count() > refused_before
    # and no list names them
    assert str(incident.public_id) not in client.get(_url("incidents")).content.decode()
    response = client.get(_url("persons"))
    assert str(person.public_id) not in response.content.decode()


def _visible(user, obj) -> set:
    return set(policy.visible_fields(user, obj))


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_response_shows_a_field_the_role_may_not_see(
    role, monitor, incident, person, user_with_role
):
    """For every role of the owning organisation (and the named monitor who recorded it):
    the keys of the incident and the person served are within `policy.visible_fields`."""
    readers = [user_with_role(role), monitor]
    for user in readers:
        client = api_client(user)
        for name, obj in (("incident", incident), ("person", person)):
            response = client.get(_url(name, obj))
            if response.status_code != 200:
                continue
            shown = set(response.json()) - META_KEYS
            with unscoped():
                fresh = type(obj).objects.get(pk=obj.pk)
            assert shown <= _visible(user, fresh), (role, name, shown - _visible(user, fresh))
        for name, model in (("incidents", Incident), ("persons", Person)):
            response = client.get(_url(name))
            if response.status_code != 200:
                continue
            for row in response.json()["results"]:
                with unscoped():
                    fresh = model.objects.get(public_id=row["id"])
                assert set(row) - META_KEYS <= _visible(user, fresh), (role, name)


def test_the_recorder_sees_identities_and_an_unnamed_monitor_does_not(
    monitor, person, user_with_role
):
    """The counterpart of the test above (it can fail): the named monitor gets the identity."""
    named = api_client(monitor).get(_url("person", person)).json()
    assert named["full_name"] == "Fatoumata Maïga"
    other = api_client(user_with_role("monitor")).get(_url("person", person)).json()
    assert "full_name" not in other and "phone" not in other
    assert other["code"] == named["code"]


def test_reading_a_person_is_audited_like_the_page(monitor, person):
    before = AuditEvent.objects.filter(action="person.read").count()
    api_client(monitor).get(_url("person", person))
    event = AuditEvent.objects.filter(action="person.read").order_by("-seq").first()
    assert AuditEvent.objects.filter(action="person.read").count() == before + 1
    assert event.level == 4 and "full_name" in event.detail["fields"]
    api_client(monitor).get(_url("persons"))
    page = AuditEvent.objects.filter(action="person.read").order_by("-seq").first()
    assert page.detail["records"] == [str(person.public_id)]


def test_the_incident_list_shows_level_two_columns_only(monitor, incident):
    row = api_client(monitor).get(_url("incidents")).json()["results"][0]
    assert row["reference"] == incident.reference
    assert "narrative" not in row and "exact_location" not in row
