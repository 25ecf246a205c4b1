"""Several people at once against a real server: no server error, no "database is locked".

Five users of the field office, each in a thread with a logged-in session, talk HTTP to a live
server (a thread per request) at the same time: they open confidential incidents (each
opening writes an audit event) and record incidents through the form (a POST: the incident,
its reference from core.sequences and an audit event). Before IMMEDIATE transactions and a
busy timeout, SQLite answered 500 "database is locked" to 22 of 50 such requests. Runs on
PostgreSQL too (DATABASE_URL=postgres…).
"""

from __future__ import annotations

import http.cookiejar
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from passerelle.core import audit
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents.models import Incident
from passerelle.incidents.tests.factories import category, incident_factory
from passerelle.incidents.tests.fixtures import logged_in_client
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

USERS = 5
ROUNDS = 4  # per user: open each confidential incident, then record one


class Browser:
    """A user's HTTP client: the session cookie of a logged-in test client, and a CSRF
    secret sent both as cookie and as form field (as a browser does)."""

    def __init__(self, base_url: str, user):
        self.base_url = base_url
        session = logged_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}; {settings.LANGUAGE_COOKIE_NAME}=en"
        )
        # Redirects are not followed: a successful POST answers 302.
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def _open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        url = self.base_url + path  # the live server's http:// address
        request = urllib.request.Request(url, data=body, headers={"Cookie": self.cookie})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self._open(path, data)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_five_users_at_once_get_no_server_error_and_every_write_is_kept(
    live_server, org, areas, user_with_role
):
    # Transactional tests empty the database between tests, migration data included.
    sync_terms(Term)
    users = [user_with_role("monitor", username=f"drc.monitor{i}") for i in range(USERS)]
    confidential = [incident_factory(users[0], classification=3) for _ in range(3)]
    form = {
        "organisation": org.pk,
        "occurred_on": "2013-02-14",
        "date_precision": "day",
        "region": areas["ML07"].pk,
        "area": areas["ML0701"].pk,
        "category": category("pm.attacks_on_civilians").pk,
        "narrative": "Tirs sur le marché.",
        "classification": "",
        "count_f_18_59": "2",
    }
    browsers = [Browser(live_server.url, user) for user in users]
    events_before = AuditEvent.objects.count()
    barrier = threading.Barrier(USERS)
    answers: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def work(browser: Browser):
        barrier.wait(timeout=30)
        for _ in range(ROUNDS):
            calls = [("GET", f"/incidents/{i.public_id}/", None) for i in confidential]
            calls.append(("POST", "/incidents/new/", form))
            for method, path, data in calls:
                status, body = browser.get(path) if data is None else browser.post(path, data)
                with lock:
                    answers.append((f"{method} {path}", status, body))

    threads = [threading.Thread(target=work, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads)

    assert len(answers) == USERS * ROUNDS * (len(confidential) + 1)
    failed = [(call, status) for call, status, body in answers if status >= 500]
    locked = [call for call, _, body in answers if "database is locked" in body]
    assert not failed and not locked, (failed, locked)
    assert {(call.split()[0], status) for call, status, _ in answers} == {
        ("GET", 200),
        ("POST", 302),
    }
    with unscoped():
        references = list(
            Incident.objects.exclude(pk__in=[i.pk for i in confidential]).values_list(
                "reference", flat=True
            )
        )
    assert len(references) == len(set(references)) == USERS * ROUNDS
    # Every opening of a confidential incident and every recording left its audit event,
    # in one unbroken chain.
    opened = USERS * ROUNDS * len(confidential)
    created = AuditEvent.objects.filter(action="incident.create").count()
    assert created == USERS * ROUNDS + len(confidential)
    assert AuditEvent.objects.count() - events_before >= opened + USERS * ROUNDS
    assert not audit.verify()  # no problem found


@pytest.mark.django_db
def test_sqlite_writes_in_immediate_transactions_waits_for_the_lock_and_uses_wal():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        pragmas = {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
        }
    assert connection.transaction_mode == "IMMEDIATE"
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 20000,  # milliseconds
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
    }
