"""The server connection pages: who may open them, the credentials written and never read
back, "Pull now" queuing the job, the last result in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from passerelle.core.models import AuditEvent, JobRun
from passerelle.pulls import services
from passerelle.pulls.models import ServerConnection

pytestmark = pytest.mark.django_db

TOKEN = "kobo-page-token-81d0c3"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(client_as):
    return client_as("im_officer")


def _connection(user, org, **extra):
    values = {
        "name": "Kobo of the Gao team",
        "kind": "kobo",
        "base_url": "https://kobo.example.org",
        "asset_uid": "aGao2026",
        "auth": "token",
        **extra,
    }
    return services.create_connection(
        user, organisation=org, credentials={"token": TOKEN}, **values
    )


def test_an_officer_connects_a_server_and_never_sees_the_token_again(officer, org):
    response = officer.post(
        "/pulls/new/",
        {
            "name": "Kobo of the Gao team",
            "organisation": org.pk,
            "kind": "kobo",
            "base_url": "https://kobo.example.org",
            "auth": "token",
            "asset_uid": "aGao2026",
            "token": TOKEN,
            "interval_minutes": 60,
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    connection = ServerConnection.objects.get()
    assert connection.credentials() == {"token": TOKEN}
    assert connection.created_by == officer.user and connection.enabled
    for url in (
        "/pulls/",
        f"/pulls/{connection.public_id}/",
        f"/pulls/{connection.public_id}/edit/",
    ):
        page = officer.get(url)
        assert page.status_code == 200
        assert TOKEN not in page.content.decode()
    event = AuditEvent.objects.get(action="pull.connection_created")
    assert TOKEN not in str(event.detail)


def test_editing_without_a_token_keeps_the_saved_one_and_a_new_one_replaces_it(officer, org):
    connection = _connection(officer.user, org)
    form = {
        "name": "Kobo of the Gao team (new name)",
        "kind": "kobo",
        "base_url": "https://kobo.example.org",
        "auth": "token",
        "asset_uid": "aGao2026",
        "interval_minutes": 60,
    }
    assert officer.post(f"/pulls/{connection.public_id}/edit/", form).status_code == 302
    connection.refresh_from_db()
    assert connection.name.endswith("(new name)")
    assert connection.credentials() == {"token": TOKEN}
    officer.post(f"/pulls/{connection.public_id}/edit/", {**form, "token": "a-new-token"})
    connection.refresh_from_db()
    assert connection.credentials() == {"token": "a-new-token"}
    change = AuditEvent.objects.filter(action="pull.connection_changed").latest("seq")
    assert change.detail["credentials_changed"] is True
    assert "a-new-token" not in str(change.detail)


def test_changing_the_asset_pulls_from_the_first_submission_again(officer, org):
    connection = _connection(officer.user, org)
    ServerConnection.objects.filter(pk=connection.pk).update(cursor="2026-11-02T09:00:00")
    services.update_connection(officer.user, connection=connection, asset_uid="aOther2026")
    connection.refresh_from_db()
    assert connection.cursor == ""


def test_a_server_address_that_is_not_https_is_refused_in_production(officer, org, settings):
    settings.PRODUCTION = True
    response = officer.post(
        "/pulls/new/",
        {
            "name": "Plain",
            "organisation": org.pk,
            "kind": "kobo",
            "base_url": "http://kobo.example.org",
            "auth": "token",
            "asset_uid": "aGao2026",
            "token": TOKEN,
            "interval_minutes": 60,
        },
    )
    assert response.status_code == 200
    assert "only https:// addresses" in response.content.decode()
    assert not ServerConnection.objects.exists()


def test_pull_now_queues_one_pull_acting_for_the_officer(officer, org):
    connection = _connection(officer.user, org)
    response = officer.post(f"/pulls/{connection.public_id}/pull/")
    assert response.status_code == 302
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"]["connection"] == str(connection.public_id)
    assert task.args_kwargs["kwargs"]["user"] == officer.user.pk
    assert AuditEvent.objects.filter(action="pull.requested").exists()
    assert officer.get(f"/pulls/{connection.public_id}/pull/").status_code == 405
    assert not JobRun.objects.exists()  # queued, not run in the request


def test_the_last_result_is_shown_as_a_sentence_not_a_code(officer, org):
    connection = _connection(officer.user, org)
    ServerConnection.objects.filter(pk=connection.pk).update(
        last_status="failed", last_error="auth", last_error_params={"status": 401}
    )
    english = officer.get(f"/pulls/{connection.public_id}/").content.decode()
    assert "The server refused the credentials (HTTP 401)" in english


def test_who_is_refused(client_as, officer, org, other_org):
    connection = _connection(officer.user, org)
    viewer = client_as("viewer")
    assert viewer.get("/pulls/").status_code == 403
    assert viewer.post(f"/pulls/{connection.public_id}/pull/").status_code == 403
    outsider = client_as("im_officer", other_org)
    assert connection.name not in outsider.get("/pulls/").content.decode()
    for url in (f"/pulls/{connection.public_id}/", f"/pulls/{connection.public_id}/edit/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/pulls/{connection.public_id}/pull/").status_code == 404
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused").count() >= 4


def test_the_list_reads_a_fixed_number_of_queries(officer, org):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    _connection(officer.user, org)
    officer.get("/pulls/")  # warm the session and the policy's caches
    with CaptureQueriesContext(db) as one:
        assert officer.get("/pulls/").status_code == 200
    for n in range(4):
        _connection(officer.user, org, name=f"Kobo {n}")
    with CaptureQueriesContext(db) as five:
        page = officer.get("/pulls/").content.decode()
    assert page.count("Pull now") >= 5
    assert len(five) == len(one)


def test_an_error_report_of_the_connection_form_hides_the_credentials(rf, officer):
    from django.views.debug import SafeExceptionReporterFilter

    from passerelle.pulls import views

    request = rf.post("/pulls/new/", {"name": "x", "token": TOKEN, "password": "pw-1"})
    request.user = officer.user
    views.connection_create(request)  # marks the request's sensitive parameters
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert TOKEN not in str(shown) and "pw-1" not in str(shown)


def test_the_saved_token_never_goes_to_a_new_server_address(officer, org):
    """Pointing a connection at another server needs the credentials typed again: else anyone
    who may edit it could have the saved token sent to a server of theirs."""
    connection = _connection(officer.user, org)
    form = {
        "name": connection.name,
        "kind": "kobo",
        "base_url": "https://attacker.example.net",
        "auth": "token",
        "asset_uid": "aGao2026",
        "interval_minutes": 60,
    }
    response = officer.post(f"/pulls/{connection.public_id}/edit/", form)
    assert response.status_code == 200
    assert "Give the credentials again when the server changes." in response.content.decode()
    connection.refresh_from_db()
    assert connection.base_url == "https://kobo.example.org"
    response = officer.post(f"/pulls/{connection.public_id}/edit/", {**form, "token": "new-one"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.base_url == "https://attacker.example.net"
    assert connection.credentials() == {"token": "new-one"}
