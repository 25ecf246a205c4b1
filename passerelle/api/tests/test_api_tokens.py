"""Tokens: stored hashed, shown once, revoked at once, audited; the two-factor rule for level
3-4 data; writes through the incidents services."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from passerelle.accounts.tests.factories import confirmed_device, current_code
from passerelle.api import services
from passerelle.api.models import ApiToken, digest
from passerelle.api.token_views import SHOWN_ONCE
from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import category, default_area

from .apikit import api_client, token_for

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_and_its_key_never_again(monitor):
    token, key = services.create_token(monitor, name="laptop")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("pas_") and len(key) > 40
    assert stored.key_hash == digest(key) and key not in stored.key_hash
    assert key.startswith(f"pas_{stored.prefix}")
    event = AuditEvent.objects.filter(action="api.token_create").order_by("-seq").first()
    assert event.actor == monitor and key not in str(event.detail)


def test_a_revoked_or_expired_token_is_refused_at_once(monitor, incident):
    key = token_for(monitor)
    client = api_client(key=key)
    url = reverse("api:incidents")
    assert client.get(url).status_code == 200
    token = ApiToken.objects.get(key_hash=digest(key))
    services.revoke_token(monitor, token)
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(action="api.token_revoke", actor=monitor).exists()
    other = token_for(monitor)
    ApiToken.objects.filter(key_hash=digest(other)).update(expires_at=timezone.now())
    assert api_client(key=other).get(url).status_code == 401


def test_the_token_pages_create_show_once_and_revoke(monitor, user_with_role, client_for):
    client = client_for(monitor)
    page = client.post(reverse("api_tokens:list"), {"name": "ODK bridge", "days": 30})
    # POST-redirect-GET: the key is never in the POST's answer nor in the URL
    assert page.status_code == 302 and page["Location"] == reverse("api_tokens:list")
    assert "pas_" not in page.content.decode()
    page = client.get(page["Location"])
    key = page.context["key"]
    assert key and page.content.decode().count(key) == 1
    assert "no-store" in page["Cache-Control"]
    # shown once: the next GET (a reload) shows it no more and creates nothing
    again = client.get(reverse("api_tokens:list"))
    assert key not in again.content.decode() and again.context["key"] is None
    assert ApiToken.objects.filter(user=monitor).count() == 1
    assert SHOWN_ONCE not in client.session
    token = ApiToken.objects.get(key_hash=digest(key))
    # another user cannot revoke it: the same 404 as a missing token, audited
    intruder = client_for(user_with_role("org_admin"))
    refused = AuditEvent.objects.filter(action="access.refused").count()
    url = reverse("api_tokens:revoke", kwargs={"public_id": token.public_id})
    assert intruder.post(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.refused").count() == refused + 1
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_created_with_a_code_reads_level_three_and_four(monitor, person, client_for):
    client = client_for(monitor)
    device = confirmed_device(monitor)
    page = client.post(
        reverse("api_tokens:list"),
        {"name": "verified", "days": 30, "code": current_code(device)},
        follow=True,
    )
    assert page.context["created"].two_factor_verified
    body = api_client(key=page.context["key"]).get(
        reverse("api:person", kwargs={"public_id": person.public_id})
    )
    assert body.status_code == 200 and body.json()["full_name"] == "Fatoumata Maïga"


def test_a_token_without_two_factors_reads_no_level_three_or_four(monitor, incident, person):
    """Created without two-factor verification: the policy sees its user as not verified
    and gives level 2 at most, so the confidential incident and its person are not served
    (the same 404 as for a missing record) and nothing level 3-4 is in any list."""
    client = api_client(monitor, verified=False)
    detail = client.get(reverse("api:incident", kwargs={"public_id": incident.public_id}))
    assert detail.status_code == 404
    person_url = reverse("api:person", kwargs={"public_id": person.public_id})
    assert client.get(person_url).status_code == 404
    assert client.get(reverse("api:persons")).json()["results"] == []
    # and the same user's verified token does read them
    verified = api_client(monitor)
    assert verified.get(person_url).json()["full_name"] == "Fatoumata Maïga"


def test_a_verified_token_loses_level_three_when_the_user_resets_two_factors(monitor, person):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = api_client(monitor)
    url = reverse("api:person", kwargs={"public_id": person.public_id})
    assert client.get(url).status_code == 200
    TOTPDevice.objects.filter(user=monitor).delete()
    assert client.get(url).status_code == 404


def test_an_incident_is_recorded_and_changed_through_the_services(monitor, areas):
    client = api_client(monitor)
    payload = {
        "occurred_on": "2013-03-02",
        "area": "ML0701",
        "category": category().code,
        "narrative": "Pillage du marché.",
        "victim_counts": [{"sex": "f", "age_group": "18_59", "count": 2}],
    }
    created = client.post(reverse("api:incidents"), payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["narrative"] == "Pillage du marché."
    assert body["victim_counts"] == [{"sex": "f", "age_group": "18_59", "count": 2}]
    assert AuditEvent.objects.filter(action="incident.create", actor=monitor).exists()
    url = reverse("api:incident", kwargs={"public_id": body["id"]})
    changed = client.patch(url, {"narrative": "Pillage."}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["narrative"] == "Pillage."
    assert AuditEvent.objects.filter(action="incident.update", actor=monitor).exists()
    assert default_area() is not None


def test_a_viewer_cannot_record_and_a_bad_body_is_a_validation_problem(
    user_with_role, monitor, areas
):
    viewer = api_client(user_with_role("viewer"))
    refused = viewer.post(reverse("api:incidents"), {}, content_type="application/json")
    assert refused.status_code == 403
    bad = api_client(monitor).post(
        reverse("api:incidents"),
        {"occurred_on": "2099-01-01", "area": "nowhere"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    body = bad.json()
    assert bad["Content-Type"] == "application/problem+json"
    assert body["type"] == "urn:passerelle:problem:validation"
    assert {"area", "category"} <= set(body["errors"])
    future = api_client(monitor).post(
        reverse("api:incidents"),
        {"occurred_on": "2099-01-01", "area": "ML0701", "category": category().code},
        content_type="application/json",
    )
    assert future.status_code == 400 and "occurred_on" in future.json()["errors"]


def test_a_session_verified_minutes_ago_makes_a_verified_token_without_a_code(monitor, client_for):
    """No code typed: the token is verified only if the session's second factor was used
    within API_TOKEN_TWO_FACTOR_MINUTES (the device's last use); later, levels 0-2 only."""
    import datetime as dt

    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client_for(monitor)  # a session verified with the monitor's device
    TOTPDevice.objects.filter(user=monitor).update(last_used_at=timezone.now())
    page = client.post(reverse("api_tokens:list"), {"name": "fresh", "days": 7}, follow=True)
    assert page.context["created"].two_factor_verified
    stale = timezone.now() - dt.timedelta(minutes=11)
    TOTPDevice.objects.filter(user=monitor).update(last_used_at=stale)
    page = client.post(reverse("api_tokens:list"), {"name": "stale", "days": 7}, follow=True)
    assert not page.context["created"].two_factor_verified
    assert "levels 0 to 2 only" in page.content.decode()


def test_a_reload_after_creating_re_sends_nothing_and_creates_no_second_token(monitor, client_for):
    """The creating POST answers a redirect; what the browser reloads is the GET, so one
    token only; another user's session never sees the key."""
    client = client_for(monitor)
    response = client.post(reverse("api_tokens:list"), {"name": "once", "days": 7})
    assert response.status_code == 302
    first = client.get(reverse("api_tokens:list"))
    key = first.context["key"]
    assert first.context["created"].name == "once"
    for _ in range(2):
        reloaded = client.get(reverse("api_tokens:list"))
        assert reloaded.status_code == 200 and key not in reloaded.content.decode()
    assert ApiToken.objects.filter(user=monitor, name="once").count() == 1
    assert key not in response["Location"]
    assert all(key not in morsel.value for morsel in client.cookies.values())


def test_a_wrong_code_makes_no_token(monitor, client_for):
    client = client_for(monitor)
    before = ApiToken.objects.count()
    page = client.post(reverse("api_tokens:list"), {"name": "x", "days": 7, "code": "000000"})
    assert page.status_code == 200 and page.context["form"].errors["code"]
    assert ApiToken.objects.count() == before
    assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=monitor).exists()


def test_api_answers_are_never_cached(monitor, incident):
    response = api_client(monitor).get(reverse("api:incidents"))
    assert "no-store" in response["Cache-Control"]
