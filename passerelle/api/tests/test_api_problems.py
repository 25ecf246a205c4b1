"""One error format: problem details (RFC 9457) for 401, 403, 404, 405, 429, 400 and 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .apikit import api_client

pytestmark = pytest.mark.django_db

KEYS = {"type", "title", "status", "detail", "instance"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert KEYS <= set(body) and body["status"] == status
    return body


def test_every_error_is_a_problem(monitor, user_with_role):
    client = api_client(monitor)
    _problem(client.get("/api/no-such-thing/"), 404)
    _problem(client.delete(reverse("api:incidents")), 405)
    _problem(client.options(reverse("api:incidents")), 405)
    _problem(api_client(user_with_role("system_admin")).get(reverse("api:incidents")), 403)
    _problem(api_client(key="pas_nothing").get(reverse("api:incidents")), 401)
    body = _problem(client.get(reverse("api:incidents"), {"date_from": "yesterday"}), 400)
    assert "date_from" in body["errors"]
    body = _problem(client.get(reverse("api:aggregates"), {"purpose": "nothing"}), 400)
    assert "purpose" in body["errors"]


def test_a_forbidden_purpose_is_a_refusal_not_a_table(user_with_role):
    """Statistics for targeting are refused by the policy (403, audited), not computed."""
    from passerelle.core.models import AuditEvent

    client = api_client(user_with_role("im_officer"))
    response = client.get(reverse("api:aggregates"), {"purpose": "targeting"})
    body = _problem(response, 403)
    assert body["type"] == "urn:passerelle:problem:forbidden-purpose"
    assert AuditEvent.objects.filter(action="aggregate.refused").exists()


def test_too_many_requests_is_a_problem(monitor, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    client = api_client(monitor)
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    client.get(reverse("api:areas"))
    client.get(reverse("api:areas"))
    response = client.get(reverse("api:areas"))
    _problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_a_server_error_is_a_problem_without_its_details(monitor, areas, monkeypatch):
    from passerelle.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.represent, "area", broken)
    client = api_client(monitor)
    response = client.get(reverse("api:areas"))
    body = _problem(response, 500)
    assert "secret" not in response.content.decode()
    assert body["type"] == "about:blank"


def test_the_docs_page_loads_only_local_files_and_no_inline_script(client):
    page = client.get(reverse("api:docs"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<style" not in html and "style=" not in html
    assert "<script>" not in html and "http" not in html.replace("http-equiv", "")
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == 200 and b"/api/incidents/" in schema.content


def test_a_nul_character_in_a_code_is_a_validation_problem(monitor, areas):
    """Found by schemathesis on PostgreSQL (which refuses NUL in a query): a 400, not a 500."""
    body = {"occurred_on": "2013-03-02", "area": "ML\x0007", "category": "a\x00b"}
    body["victim_counts"] = [{"sex": "f", "age_group": "\x00", "count": 1}]
    response = api_client(monitor).post(
        reverse("api:incidents"), body, content_type="application/json"
    )
    errors = _problem(response, 400)["errors"]
    assert {"area", "category", "victim_counts.0.age_group"} <= set(errors)
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)
