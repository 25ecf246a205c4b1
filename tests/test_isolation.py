"""Organisations are isolated; unnamed users never see identities; anonymous users log in.

Every URL of the incidents app that names a record by `public_id` is tried, so a new URL is
covered the day it is added; tests/test_isolation_every_app.py walks the record URLs of every
other app the same way (an outsider, a viewer, an unnamed colleague).
"""

import uuid

import pytest
from django.urls import reverse
from testkit import fill, walk

from passerelle.accounts.tests.factories import MembershipFactory, UserFactory
from passerelle.core.models import AuditEvent
from passerelle.incidents import services
from passerelle.policy.decorators import PUBLIC
from passerelle.policy.roles import ROLES

pytestmark = pytest.mark.django_db

ROUTES = [r for r in walk() if not r.is_admin]
RECORD_ROUTES = [r for r in ROUTES if r.name.startswith("incidents:") and "public_id" in r.kwargs]
IDENTITY = {
    "full_name": "Fatoumata Maïga",
    "father_name": "Hamadoun Maïga",
    "mother_name": "Kadidia Cissé",
    "phone": "+223 76 12 34 56",
    "address": "Maison bleue près du puits de Tassiga",
}


@pytest.fixture
def records(monitor, incident, person):
    consent = services.record_consent(monitor, person, scope="referral", given=True)
    return {"incident": incident, "person": person, "consent": consent}


@pytest.fixture
def outsider(other_org, incident):
    """A user holding every role in another organisation, even (wrongly) named on the
    incident: none of it opens a record of `org`."""
    user = UserFactory(username="amss.everything")
    for role in ROLES:
        MembershipFactory(user=user, organisation=other_org, role=role)
    incident.need_to_know.add(user)
    return user


def test_every_record_url_is_covered():
    kinds = {r.object_kind for r in RECORD_ROUTES}
    assert kinds == {"incident", "person", "consent"}
    assert len(RECORD_ROUTES) >= 9


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", RECORD_ROUTES, ids=lambda r: r.name)
def test_another_organisation_gets_404_and_the_refusal_is_audited(
    route, method, records, outsider, client_for
):
    client = client_for(outsider)
    obj = records[route.object_kind]
    missing = getattr(client, method)(route.url(public_id=uuid.uuid4()))
    refused_before = AuditEvent.objects.filter(action="access.refused").count()

    response = getattr(client, method)(fill(route, records))

    if missing.status_code == 405:  # the view takes POST only; GET is refused unseen
        assert method == "get"
        assert response.status_code == 405
        return
    assert response.status_code == 404
    assert missing.status_code == 404
    refusal = AuditEvent.objects.filter(action="access.refused").order_by("-seq").first()
    assert AuditEvent.objects.filter(action="access.refused").count() == refused_before + 1
    assert refusal.actor == outsider
    assert refusal.object_id == str(obj.public_id)
    assert refusal.outcome == "refused"
    assert refusal.organisation == records["incident"].owner
    assert refusal.detail["action"] == " | ".join(route.actions)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_of_another_organisation_is_refused_like_a_missing_record(
    role, records, other_org, user_with_role, client_for
):
    client = client_for(user_with_role(role, other_org))
    for route in RECORD_ROUTES:
        for method in ("get", "post"):
            response = getattr(client, method)(fill(route, records))
            missing = getattr(client, method)(route.url(public_id=uuid.uuid4()))
            assert response.status_code == missing.status_code, (route.name, method)
            if ROLES[role].actions.isdisjoint(route.actions):
                assert response.status_code in (403, 405), (route.name, method)
            else:
                assert response.status_code in (404, 405), (route.name, method)


def _text(response) -> str:
    """What a response shows: HTML and CSV as text, a spreadsheet's cells, a PDF's text."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if kind.startswith("application/pdf"):  # pdftotext is not installed: our own reader
        from passerelle.directory.tests.pdftext import pdf_text

        return pdf_text(body)
    return body.decode()


def _pages(client, records):
    """Every page of the application a user can GET (200), with its HTML."""
    pages = {}
    for route in ROUTES:
        url = fill(route, records)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code == 200:
            pages[route.name] = _text(response)
    pages["incidents:person_search"] = client.post(  # searched by POST (no name in a URL)
        reverse("incidents:person_search"), {"name": IDENTITY["full_name"].upper()}
    ).content.decode()
    return pages


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_user_who_is_not_named_never_sees_identities(role, records, user_with_role, client_for):
    """Viewers, and every other role when not named on the incident, see no identity on
    any page they can open (the person was recorded by another monitor)."""
    pages = _pages(client_for(user_with_role(role)), records)
    assert "core:home" in pages
    if "incident.view" in ROLES[role].actions:
        assert "incidents:list" in pages
        # the incident is classified 3
        assert ("incidents:detail" in pages) is (ROLES[role].level >= 3)
    for name, html in pages.items():
        for field, value in IDENTITY.items():
            assert value not in html, (name, field)
            assert value.upper() not in html.upper() or name == "incidents:person_search", (
                name,
                field,
            )


def test_the_named_monitor_who_recorded_it_does_see_the_identity(records, monitor, client_for):
    """The counterpart of the test above: the pages do show identities to the right user."""
    pages = _pages(client_for(monitor), records)
    assert IDENTITY["full_name"] in pages["incidents:person"]
    assert IDENTITY["phone"] in pages["incidents:person"]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login") + "?next="
    )


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", [r for r in ROUTES if r.name], ids=lambda r: r.name)
def test_anonymous_users_are_sent_to_the_login_page(route, method, records, client):
    url = fill(route, records)
    response = getattr(client, method)(url)
    if route.permission == PUBLIC:
        assert not _is_login_redirect(response)
        assert response.status_code < 500
        return
    if response.status_code == 405:  # POST-only view: refused before anything is looked up
        assert method == "get"
        return
    if route.namespaces == ("api",):  # the REST API answers 401, as problem details
        assert response.status_code == 401, (route.name, method, response.status_code)
        assert response["Content-Type"] == "application/problem+json"
        return
    assert _is_login_redirect(response), (route.name, method, response.status_code)
    for value in IDENTITY.values():
        assert value not in response.content.decode()
