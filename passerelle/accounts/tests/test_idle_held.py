"""The idle timeout loses no typed work: a form sent after the session ended is kept encrypted
for its user, offered again after the login (send it again, or discard it), never to another
user, and purged after two hours. The warning's keep-alive resets the idle clock."""

from __future__ import annotations

import datetime as dt
import re
import time
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passerelle.accounts.middleware import KEY as LAST_SEEN
from passerelle.core import held
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, HeldSubmission
from passerelle.incidents.models import Incident
from passerelle.incidents.tests.test_views import _incident_form

pytestmark = pytest.mark.django_db

SECRET = "Récit tapé pendant 31 minutes, au marché de Tassiga."
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _idle(client):
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 60
    session.save()


def _edit_url(incident):
    return reverse("incidents:edit", kwargs={"public_id": incident.public_id})


def _held_after_idle_post(client, incident, org, areas, **extra):
    _idle(client)
    response = client.post(
        _edit_url(incident), _incident_form(org, areas, narrative=SECRET, classification="3")
    )
    assert response.status_code == 302
    kept = HeldSubmission.objects.get()
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert str(kept.public_id) in response["Location"]
    assert SESSION_KEY not in client.session
    return kept


def _narrative(incident):
    with unscoped():
        return Incident.objects.get(pk=incident.pk).narrative.reveal()


def test_an_idle_post_is_kept_and_sent_again_after_the_same_user_logs_in(
    monitor, incident, client_for, org, areas
):
    client = client_for(monitor)
    kept = _held_after_idle_post(client, incident, org, areas)
    assert _narrative(incident) != SECRET  # nothing saved while signed out

    again = client_for(monitor)  # the same user signs in again
    page = again.get(reverse("accounts:held", kwargs={"public_id": kept.public_id}))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{_edit_url(incident)}"' in html
    form = html.split(f'action="{_edit_url(incident)}"')[1].split("</form>")[0]
    fields = [(name, unescape(value)) for name, value in HIDDEN.findall(form)]
    assert ("narrative", SECRET) in fields
    assert ("passerelle_held", str(kept.public_id)) in fields
    token = dict(fields)["csrfmiddlewaretoken"]
    assert token  # a fresh token, the old one is not kept
    assert sum(1 for name, _v in fields if name == "csrfmiddlewaretoken") == 1

    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    response = again.post(_edit_url(incident), data)
    assert response.status_code == 302
    assert _narrative(incident) == SECRET
    assert not HeldSubmission.objects.exists()  # spent
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.idle_form_").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["auth.idle_form_held", "auth.idle_form_resent"]
    for event in AuditEvent.objects.filter(action__startswith="auth.idle_form_"):
        assert "Tassiga" not in str(event.detail)


def test_another_user_never_sees_a_kept_form(
    monitor, incident, client_for, user_with_role, org, areas
):
    kept = _held_after_idle_post(client_for(monitor), incident, org, areas)
    colleague = client_for(user_with_role("monitor"))
    url = reverse("accounts:held", kwargs={"public_id": kept.public_id})
    assert colleague.get(url).status_code == 404
    assert colleague.post(url).status_code == 404  # nor discards it
    assert SECRET.encode() not in colleague.get(reverse("core:home")).content
    assert HeldSubmission.objects.filter(pk=kept.pk).exists()
    with pytest.raises(Exception):  # noqa: B017 - decrypting for someone else is refused
        held.held_fields(colleague.get(url).wsgi_request.user, kept)


def test_the_user_may_discard_a_kept_form(monitor, incident, client_for, org, areas):
    kept = _held_after_idle_post(client_for(monitor), incident, org, areas)
    again = client_for(monitor)
    response = again.post(reverse("accounts:held", kwargs={"public_id": kept.public_id}))
    assert response.status_code == 302
    assert response["Location"] == _edit_url(incident)
    assert not HeldSubmission.objects.exists()
    assert AuditEvent.objects.filter(action="auth.idle_form_discarded").count() == 1
    assert _narrative(incident) != SECRET


def test_nothing_kept_is_stored_in_clear(monitor, incident, client_for, org, areas):
    kept = _held_after_idle_post(client_for(monitor), incident, org, areas)
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, path FROM core_heldsubmission")
        payload, path = cursor.fetchone()
    assert payload.startswith("p1:")
    assert "Tassiga" not in payload and "Récit" not in payload
    assert path == _edit_url(incident)
    # bound to its row: the ciphertext moved to another hold does not open
    other = HeldSubmission.objects.create(
        user=monitor, path=path, expires_at=kept.expires_at, payload="placeholder"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_heldsubmission SET payload = %s WHERE id = %s", [payload, other.pk]
        )
    moved = HeldSubmission.objects.get(pk=other.pk)
    with pytest.raises(Exception):  # noqa: B017 - crypto.DecryptionError
        held.held_fields(monitor, moved)


def test_expired_holds_are_purged_and_no_longer_offered(monitor, incident, client_for, org, areas):
    kept = _held_after_idle_post(client_for(monitor), incident, org, areas)
    HeldSubmission.objects.filter(pk=kept.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    again = client_for(monitor)
    assert (
        again.get(reverse("accounts:held", kwargs={"public_id": kept.public_id})).status_code == 404
    )
    assert held.purge_expired() == 1
    assert not HeldSubmission.objects.exists()
    fresh = held.hold_submission(monitor, path="/x/", fields=[("a", "b")])
    assert fresh.expires_at - timezone.now() > dt.timedelta(hours=1, minutes=59)
    assert held.purge_expired(now=timezone.now() + held.HOLD_FOR) == 1


def test_a_cross_site_post_without_a_token_is_not_kept(monitor, incident, org, areas):
    from passerelle.accounts.tests.factories import pass_two_factor

    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    pass_two_factor(client, monitor)
    _idle(client)
    response = client.post(_edit_url(incident), _incident_form(org, areas, narrative=SECRET))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert not HeldSubmission.objects.exists()


def test_files_are_not_kept_and_the_user_is_told(monitor, client_for):
    client = client_for(monitor)
    _idle(client)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("services.xlsx", b"PK\x03\x04", content_type="application/zip")
    client.post(reverse("referrals:service_import"), {"file": upload, "note": "x"})
    kept = HeldSubmission.objects.get()
    assert kept.files_dropped == 1
    page = client_for(monitor).get(reverse("accounts:held", kwargs={"public_id": kept.public_id}))
    assert "could not be kept" in page.content.decode()


def test_the_keep_alive_resets_the_idle_clock(client_for, monitor):
    client = client_for(monitor)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 30
    session.save()
    assert client.get(reverse("accounts:keep_alive")).status_code == 405
    assert client.post(reverse("accounts:keep_alive")).status_code == 204
    assert client.session[LAST_SEEN] >= int(time.time()) - 5
    anonymous = Client().post(reverse("accounts:keep_alive"))
    assert anonymous.status_code == 302


def test_signed_in_pages_carry_the_warning_and_its_script(client_for, monitor):
    html = client_for(monitor).get(reverse("core:home")).content.decode()
    assert 'id="idle-warning"' in html
    assert f'data-timeout="{settings.SESSION_IDLE_TIMEOUT}"' in html
    assert "js/idle.js" in html
    assert "Stay signed in" in html
    login = Client().get(reverse("accounts:login")).content.decode()
    assert 'id="idle-warning"' not in login


def test_the_scheduled_job_purges_expired_holds(monitor):
    from passerelle.core import jobs

    kept = held.hold_submission(monitor, path="/x/", fields=[("a", "b")])
    live = held.hold_submission(monitor, path="/y/", fields=[("a", "b")])
    HeldSubmission.objects.filter(pk=kept.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    result = jobs.execute("purge_held_forms")
    assert result["status"] == "succeeded" and result["deleted"] == 1
    assert list(HeldSubmission.objects.values_list("pk", flat=True)) == [live.pk]


def test_a_two_factor_code_sent_after_the_timeout_is_not_kept(monitor, client_for):
    client = client_for(monitor)
    _idle(client)
    response = client.post(reverse("accounts:otp_verify"), {"code": "123456"})
    assert response.status_code == 302
    assert not HeldSubmission.objects.exists()


def test_an_api_token_form_sent_after_the_timeout_is_not_kept(monitor, client_for):
    """The token form carries a two-factor code: like the code page, it is never kept."""
    client = client_for(monitor)
    _idle(client)
    response = client.post(reverse("api_tokens:list"), {"name": "laptop", "code": "123456"})
    assert response.status_code == 302
    assert not HeldSubmission.objects.exists()
