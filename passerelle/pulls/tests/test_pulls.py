"""Pulls from KoboToolbox and ODK Central, against local stand-in servers (standin.py) serving
the documented responses: new submissions land, a re-pull changes nothing, an edited
submission updates its incident, and every failure — refused credentials, a 500, a server
that stalls in the middle of a page, an answer that is not JSON — leaves the database as it
was, records a clear error on the connection, audits it and fails the job (which retries,
then reports to the administrators)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from passerelle.core import jobs
from passerelle.core.fields import reveal
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, JobRun
from passerelle.imports.models import ImportBatch, ImportedSubmission
from passerelle.incidents.models import Incident, Person
from passerelle.pulls import clients, services
from passerelle.pulls.errors import PullError
from passerelle.pulls.models import ServerConnection
from passerelle.xlsforms.tests import exports

from .standin import (
    KOBO_TOKEN,
    ODK_EMAIL,
    ODK_PASSWORD,
    KoboStandIn,
    OdkStandIn,
)

pytestmark = pytest.mark.django_db

FAST = {"PASSERELLE_PULL_TIMEOUT": (2, 0.5), "PASSERELLE_PULL_RETRIES": 0}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"), override_settings(**FAST):
        yield


@pytest.fixture
def form_version(org, areas):
    from passerelle.xlsforms.forms import read_form
    from passerelle.xlsforms.models import FormMapping, FormVersion
    from passerelle.xlsforms.tests.forms import protection_monitoring_form

    definition = read_form(protection_monitoring_form())
    version = FormVersion.objects.create(
        organisation=org,
        form_id=definition.form_id,
        version=definition.version,
        title=definition.title,
        definition=definition.as_json(),
        digest="0" * 64,
    )
    FormMapping.objects.create(form_version=version, mapping=exports.PM_MAPPING)
    return version


@pytest.fixture
def importer(user_with_role):
    return user_with_role("monitor", username="pull.monitor")


def kobo_records(count=5):
    return json.loads(exports.kobo_json(exports.pm_submissions(count)))["results"]


def odk_records(count=5):
    return json.loads(exports.odk_json(exports.pm_submissions(count)))["value"]


def make_connection(importer, org, form_version, standin, **extra) -> ServerConnection:
    if standin.kind == "kobo":
        values = {"kind": "kobo", "asset_uid": standin.asset_uid, "auth": "token"}
        credentials = {"token": KOBO_TOKEN}
    else:
        values = {
            "kind": "odk_central",
            "project_id": standin.project_id,
            "form_id": standin.form_id,
            "auth": "password",
        }
        credentials = {"email": ODK_EMAIL, "password": ODK_PASSWORD}
    credentials = extra.pop("credentials", credentials)
    values.update(extra)
    return services.create_connection(
        importer,
        organisation=org,
        credentials=credentials,
        name=f"{standin.kind} stand-in",
        base_url=standin.url,
        form_version=form_version,
        **values,
    )


def snapshot():
    """What a pull may write: incidents, persons, imported submissions (ids and versions)."""
    with unscoped():
        return (
            sorted(Incident.objects.values_list("pk", "updated_at")),
            sorted(Person.objects.values_list("pk", "updated_at")),
            sorted(ImportedSubmission.objects.values_list("key", "version", "digest")),
        )


STANDINS = [
    pytest.param(KoboStandIn, kobo_records, id="kobo"),
    pytest.param(OdkStandIn, odk_records, id="odk"),
]


@pytest.mark.parametrize("standin_class, records", STANDINS)
def test_new_submissions_land_across_three_pages_and_a_second_pull_changes_nothing(
    standin_class, records, importer, org, form_version
):
    with standin_class(records(5), page_size=2) as server:
        connection = make_connection(importer, org, form_version, server)
        counts = services.pull(importer, connection=connection)
        pages = [p for p in server.requests if "data" in p or "Submissions" in p]
        assert len(pages) == 3  # 2 + 2 + 1
        assert counts["created"] == 5 and counts["submissions"] == 5
        with unscoped():
            assert Incident.objects.filter(owner=org).count() == 5
            # the victims of the repeat group became persons (0, 1, 2, 3, 0 victims)
            assert Person.objects.filter(incident__owner=org).count() == 6
        connection.refresh_from_db()
        assert connection.last_status == "ok"
        assert connection.cursor  # the newest submission time
        assert connection.last_batch.status == ImportBatch.Status.APPLIED
        assert connection.last_batch.source == server.kind
        before = snapshot()
        again = services.pull(importer, connection=connection)
        assert again["submissions"] == 0
        assert snapshot() == before
        # and a full re-pull from the first submission changes nothing either
        services.update_connection(importer, connection=connection, restart=True)
        again = services.pull(importer, connection=connection)
        assert again.get("created", 0) == 0 and again.get("unchanged") == 5
        assert snapshot() == before


def test_kobo_asks_only_for_submissions_after_the_cursor(importer, org, form_version):
    with KoboStandIn(kobo_records(3), page_size=10) as server:
        connection = make_connection(importer, org, form_version, server)
        services.pull(importer, connection=connection)
        connection.refresh_from_db()
        newest = max(r["_submission_time"] for r in server.submissions)
        assert connection.cursor == newest
        server.submissions += kobo_records(5)[3:]
        counts = services.pull(importer, connection=connection)
        assert counts["created"] == 2
        query = json.loads(
            dict(p.split("=", 1) for p in server.requests[-1].split("?")[1].split("&"))["query"]
            .replace("%22", '"')
            .replace("%3A", ":")
            .replace("%24", "$")
            .replace("%7B", "{")
            .replace("%7D", "}")
            .replace("+", " ")
            .replace("%2C", ",")
        )
        assert query == {"_submission_time": {"$gt": newest}}


@pytest.mark.parametrize("standin_class, records", STANDINS)
def test_an_edited_submission_updates_its_incident(
    standin_class, records, importer, org, form_version
):
    with standin_class(records(2), page_size=10) as server:
        connection = make_connection(importer, org, form_version, server)
        services.pull(importer, connection=connection)
        with unscoped():
            first = Incident.objects.get(imported_as__key=exports.pm_submissions(2)[0]["uuid"])
        edited = copy.deepcopy(server.submissions[0])
        later = timezone.now().replace(microsecond=0)
        if server.kind == "kobo":
            edited["incident/localite"] = "Quartier modifié"
            edited["_submission_time"] = later.replace(tzinfo=None).isoformat()
        else:
            # ODK Central: the edit is a new instance naming the one it replaces; `__id` and
            # the submission date stay, `__system/updatedAt` moves (what the pull filters on)
            edited["incident"]["localite"] = "Quartier modifié"
            edited["meta"] = {
                "instanceID": "uuid:0e5b7f6a-1111-4000-8000-000000000001",
                "deprecatedID": edited["meta"]["instanceID"],
            }
            edited["__system"]["updatedAt"] = later.isoformat().replace("+00:00", "Z")
            edited["__system"]["edits"] = 1
        server.submissions[0] = edited
        counts = services.pull(importer, connection=connection)
        assert counts["updated"] == 1 and counts.get("created", 0) == 0
        with unscoped():
            first.refresh_from_db()
            assert Incident.objects.filter(owner=org).count() == 2
            assert reveal(first.exact_location) == "Quartier modifié"
        assert AuditEvent.objects.filter(
            action="incident.update", object_id=str(first.public_id)
        ).exists()


FAILURES = [
    pytest.param("auth", "auth", id="auth"),
    pytest.param("error", "server", id="500"),
    pytest.param("hang", "timeout", id="hangs-mid-page"),
    pytest.param("garbage", "malformed", id="not-json"),
]


@pytest.mark.parametrize("mode, code", FAILURES)
@pytest.mark.parametrize("standin_class, records", STANDINS)
def test_a_failed_pull_applies_nothing_and_records_a_clear_error(
    standin_class, records, mode, code, importer, org, form_version
):
    with standin_class(records(5), page_size=2) as server:
        server.hang_seconds = 3
        connection = make_connection(importer, org, form_version, server)
        before = snapshot()
        server.mode = mode
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == code
        assert snapshot() == before
        connection.refresh_from_db()
        assert connection.last_status == "failed"
        assert connection.last_error == code
        assert connection.cursor == ""  # nothing applied: the cursor did not move
        assert "nothing was applied" in connection.last_error_message
        event = AuditEvent.objects.filter(action="pull.failed").latest("seq")
        assert event.detail["code"] == code
        assert event.organisation == org
        # the server comes back: the next pull takes everything, once
        server.mode = "ok"
        counts = services.pull(importer, connection=connection)
        assert counts["created"] == 5


def test_the_credentials_never_reach_the_audit_log_a_log_line_or_a_page(
    importer, org, form_version, caplog, client_for
):
    caplog.set_level(logging.DEBUG)
    with OdkStandIn(odk_records(2), mode="auth") as server:
        connection = make_connection(importer, org, form_version, server)
        with pytest.raises(PullError):
            services.pull(importer, connection=connection)
        client = client_for(importer)
        pages = [
            client.get(f"/pulls/{connection.public_id}/").content.decode(),
            client.get(f"/pulls/{connection.public_id}/edit/").content.decode(),
            client.get("/pulls/").content.decode(),
        ]
    details = json.dumps([e.detail for e in AuditEvent.objects.all()])
    for secret in (ODK_PASSWORD, ODK_EMAIL, KOBO_TOKEN):
        assert secret not in details
        assert secret not in caplog.text
        for page in pages:
            assert secret not in page
    with unscoped():
        stored = ServerConnection.objects.values_list("credentials_sealed", flat=True).get()
    assert ODK_PASSWORD not in stored.token  # encrypted at rest


def test_rows_with_errors_apply_nothing_and_show_the_errors(
    importer, org, form_version, client_for
):
    records = kobo_records(3)
    records[1]["incident/date_incident"] = "pas une date"
    with KoboStandIn(records, page_size=10) as server:
        connection = make_connection(importer, org, form_version, server)
        before = snapshot()
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "rows"
        assert snapshot() == before
        connection.refresh_from_db()
        assert connection.last_batch.status == ImportBatch.Status.FAILED
        assert connection.last_batch.errors[0]["row"] == 2
        assert "1 submissions could not be imported" in connection.last_error_message
        page = client_for(importer).get(f"/pulls/{connection.public_id}/").content.decode()
        assert "Problems in the last pull" in page
        assert "pas une date" not in page  # a message never quotes the answer itself
        assert connection.last_batch.errors[0]["message"]["en"] in page


def test_no_form_mapping_is_a_clear_error(importer, org, form_version):
    with KoboStandIn(kobo_records(1)) as server:
        connection = make_connection(importer, org, None, server)
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "no_mapping"


def test_a_pull_acts_for_someone_who_may_still_import(importer, org, form_version):
    with KoboStandIn(kobo_records(1)) as server:
        connection = make_connection(importer, org, form_version, server)
        importer.memberships.update(active=False)
        from passerelle.policy import cache, gate

        gate.forget(importer)
        cache.forget(importer)
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "refused"


# --------------------------------------------------------------------------- the job


def test_the_scheduled_job_pulls_due_connections_and_reports_failures(importer, org, form_version):
    with KoboStandIn(kobo_records(3), page_size=2) as server:
        connection = make_connection(importer, org, form_version, server, enabled=True)
        assert "pull_submissions" in jobs.registry()
        result = jobs.execute("pull_submissions")
        assert result["status"] == "succeeded" and result["created"] == 3
        connection.refresh_from_db()
        assert connection.next_pull_at > timezone.now() + dt.timedelta(minutes=50)
        # not due again before its interval: the next run pulls nothing
        assert jobs.execute("pull_submissions")["pulled"] == 0

        server.mode = "auth"
        ServerConnection.objects.filter(pk=connection.pk).update(next_pull_at=timezone.now())
        attempts = jobs.max_attempts()
        for attempt in range(1, attempts + 1):
            result = jobs.execute("pull_submissions", attempt=attempt)
        assert result["status"] == JobRun.Status.FAILED
        assert "pull failed" in result["error"]
        # reported to the administrators through the job failure path
        assert AuditEvent.objects.filter(
            action="job.failed", detail__job="pull_submissions"
        ).exists()
        assert AuditEvent.objects.filter(action="pull.failed").count() == attempts
        connection.refresh_from_db()
        assert connection.consecutive_failures == attempts
        assert connection.next_pull_at > timezone.now()  # back to its schedule


def test_pull_now_queues_the_job_for_one_connection(importer, org, form_version):
    with KoboStandIn(kobo_records(2)) as server:
        connection = make_connection(importer, org, form_version, server)  # not scheduled
        services.request_pull(importer, connection=connection)
        assert jobs.work() == 1
        connection.refresh_from_db()
        assert connection.last_status == "ok" and connection.last_counts["created"] == 2
        run = JobRun.objects.get(job="pull_submissions")
        assert run.trigger == JobRun.Trigger.MANUAL


def test_two_pulls_of_one_connection_never_run_at_once(importer, org, form_version):
    with KoboStandIn(kobo_records(1)) as server:
        connection = make_connection(importer, org, form_version, server)
        ServerConnection.objects.filter(pk=connection.pk).update(pulling_since=timezone.now())
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "busy"
        assert server.requests == []


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "url",
    [
        "http://kobo.example.org",  # credentials in clear
        "https://127.0.0.1:8443",  # the machine itself
        "https://10.0.0.5",  # the office network
        "https://169.254.169.254",  # a cloud metadata service
        "https://user:secret@kobo.example.org",
        "ftp://kobo.example.org",
    ],
)
def test_production_pulls_only_from_public_https_servers(url, settings):
    from passerelle.pulls.clients import check_address

    settings.PRODUCTION = True
    with pytest.raises(PullError) as raised:
        check_address(url)
    assert raised.value.code == "address"


def test_a_next_link_to_another_server_is_not_followed(importer, org, form_version):
    with KoboStandIn(kobo_records(5), page_size=2) as server:
        connection = make_connection(importer, org, form_version, server)
        original = server.handle

        def elsewhere(handler, method):  # the first page's `next` names another host
            server.url, real = "http://attacker.invalid:9", server.url
            try:
                original(handler, method)
            finally:
                server.url = real

        server.handle = elsewhere
        before = snapshot()
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "foreign_link"
        assert snapshot() == before
        assert len(server.requests) == 1  # the token never went to the other address


def test_odk_central_with_a_bearer_token_opens_no_session(importer, org, form_version):
    from .standin import ODK_TOKEN

    with OdkStandIn(odk_records(3), page_size=2) as server:
        connection = make_connection(
            importer, org, form_version, server, auth="token", credentials={"token": ODK_TOKEN}
        )
        assert services.pull(importer, connection=connection)["created"] == 3
        assert server.logins == 0  # the token was used as given, no POST /v1/sessions


# --------------------------------------------------------------------------- the cursor

times = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
)


def _as_written(moment: dt.datetime, odk: bool) -> str:
    if odk:  # ODK Central: UTC with milliseconds and Z
        return moment.isoformat(timespec="milliseconds") + "Z"
    return moment.isoformat(timespec="seconds")  # Kobo: naive UTC, seconds


@given(st.lists(st.tuples(times, st.booleans()), min_size=1, max_size=8))
def test_the_cursor_only_moves_forward(moments):
    """Whatever order pulls see times in, the cursor ends on the latest (never moves back)."""
    cursor = ""
    for moment, odk in moments:
        cursor = services._after(cursor, _as_written(moment, odk))
    written = [_as_written(moment, odk) for moment, odk in moments]
    assert clients.odk_time(cursor) == max(clients.odk_time(w) for w in written)
    for moment, odk in moments:
        assert clients.odk_time(cursor) >= clients.odk_time(_as_written(moment, odk))


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_of_two_workers_claiming_one_connection_only_one_pulls(org, user_with_role):
    import threading

    from django.db import connection as db

    importer = user_with_role("monitor", username="claim.monitor")
    target = services.create_connection(
        importer,
        organisation=org,
        credentials={"token": "x"},
        name="claimed",
        kind="kobo",
        base_url="https://kobo.example.org",
        asset_uid="aClaim",
    )
    barrier = threading.Barrier(2)
    won = []

    def claim():
        try:
            barrier.wait()
            won.append(services._claim(target, timezone.now()))
        finally:
            db.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False, True]


def test_a_pull_cancelled_from_the_imports_page_applies_nothing(
    importer, org, form_version, monkeypatch
):
    from passerelle.imports import pipeline

    monkeypatch.setattr(pipeline, "cancel_asked", lambda batch: True)
    with KoboStandIn(kobo_records(3)) as server:
        connection = make_connection(importer, org, form_version, server)
        before = snapshot()
        with pytest.raises(PullError) as raised:
            services.pull(importer, connection=connection)
        assert raised.value.code == "cancelled"
        assert snapshot() == before
        connection.refresh_from_db()
        assert connection.cursor == "" and connection.last_batch.status != "applied"


def test_odk_asks_for_submissions_made_or_edited_after_the_cursor(importer, org, form_version):
    from urllib.parse import parse_qs, urlsplit

    with OdkStandIn(odk_records(3), page_size=10) as server:
        connection = make_connection(importer, org, form_version, server)
        services.pull(importer, connection=connection)
        connection.refresh_from_db()
        services.pull(importer, connection=connection)
        asked = parse_qs(urlsplit(server.requests[-1]).query)
        moment = connection.cursor
        assert asked["$filter"] == [
            f"__system/submissionDate gt {moment} or __system/updatedAt gt {moment}"
        ]
        assert asked["$expand"] == ["*"]


def test_the_management_command_pulls_and_fails_loudly(importer, org, form_version):
    import io

    from django.core.management import CommandError, call_command

    with KoboStandIn(kobo_records(2)) as server:
        connection = make_connection(importer, org, form_version, server)
        out = io.StringIO()
        call_command("pull_submissions", connection=str(connection.public_id), stdout=out)
        assert "1 connection(s) pulled: 2 incident(s) created" in out.getvalue()
        server.mode = "error"
        server.submissions += kobo_records(6)[2:]
        with pytest.raises(CommandError):
            call_command("pull_submissions", connection=str(connection.public_id))
