"""Person search: the name or phone searched for never appears in a URL (POST only)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent

URL = "/incidents/persons/search/"
NAME = "Fatoumata Maïga"

pytestmark = pytest.mark.django_db


def test_the_url_is_the_one_the_menu_links_to():
    assert reverse("incidents:person_search") == URL


def test_the_form_posts_and_the_results_carry_no_personal_data_in_any_url(
    monitor, person, client_for
):
    client = client_for(monitor)
    form = client.get(URL).content.decode()
    assert re.search(r'<form method="post"', form) and "csrfmiddlewaretoken" in form
    response = client.post(URL, {"name": "FATOUMATA MAIGA"})
    assert response.status_code == 200
    html = response.content.decode()
    assert person.code in html
    link = reverse("incidents:person", kwargs={"public_id": person.public_id})
    assert link in html
    urls = re.findall(r'(?:href|action)="([^"]*)"', html)
    for url in urls:
        assert "fatoumata" not in url.casefold() and "maiga" not in url.casefold()
        assert "name=" not in url and "phone=" not in url
    assert AuditEvent.objects.filter(action="person.search", actor=monitor).count() == 1


def test_a_search_by_phone_works_by_post(monitor, person, client_for):
    html = client_for(monitor).post(URL, {"phone": "+223 76 12 34 56"}).content.decode()
    assert person.code in html


def test_a_get_with_a_query_string_searches_nothing(monitor, person, client_for):
    response = client_for(monitor).get(URL, {"name": NAME})
    assert response.status_code == 200
    assert person.code not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.search").exists()


def test_an_empty_search_is_an_error_and_nothing_is_searched(monitor, client_for):
    html = client_for(monitor).post(URL, {"name": "", "phone": ""}).content.decode()
    assert "Give a name or a phone number." in html
    assert not AuditEvent.objects.filter(action="person.search").exists()


def test_who_is_refused_and_who_finds_nothing(person, user_with_role, client_for, other_org):
    assert client_for(user_with_role("viewer")).post(URL, {"name": NAME}).status_code == 403
    assert client_for(user_with_role("org_admin")).post(URL, {"name": NAME}).status_code == 403
    outsider = client_for(user_with_role("monitor", other_org))
    response = outsider.post(URL, {"name": NAME})
    assert response.status_code == 200 and person.code not in response.content.decode()
    assert "Nobody found." in response.content.decode()
